"""``np.bool8`` was removed in numpy 2 and is still used at import time by
``mmagic/utils/trans_utils.py``: alias it to ``np.bool_``."""
import numpy as np

if not hasattr(np, 'bool8'):
    np.bool8 = np.bool_
