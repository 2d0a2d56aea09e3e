"""Label data files shipped with mmlinsem (class names, selected lists, merge tables)."""
import json
import os.path as osp

from mmlinsem.errors import MMLinsemError

DATA_DIR = osp.dirname(__file__)


def ade20k_classes():
    with open(osp.join(DATA_DIR, 'ade20k_classes.txt')) as f:
        return [line.strip() for line in f if line.strip()]


def selected_ade20k_classes(name: str):
    with open(osp.join(DATA_DIR, 'selected_labels.json')) as f:
        table = json.load(f)
    if name not in table or name.startswith('_'):
        valid = [k for k in table if not k.startswith('_')]
        raise MMLinsemError(f'no selected ADE20K class list named {name!r}; '
                            f'expected one of {valid}')
    return table[name]


def celebamask_hq():
    with open(osp.join(DATA_DIR, 'celebamask_hq.json')) as f:
        return json.load(f)


def named_classes(name: str):
    """Class lists that configs may name instead of listing: 'ade20k', 'celebamask_hq_19',
    'celebamask_hq_15'."""
    if name == 'ade20k':
        return ade20k_classes()
    if name == 'celebamask_hq_19':
        return celebamask_hq()['classes19']
    if name == 'celebamask_hq_15':
        return celebamask_hq()['classes15']
    raise MMLinsemError(f"unknown class list {name!r}; expected 'ade20k', "
                        "'celebamask_hq_19' or 'celebamask_hq_15' (or a list of names)")


def class_index(classes, value, what: str = 'class') -> int:
    """The index of ``value`` in ``classes``: a class name, or an index (an int or a string
    of digits) in range; anything else is one error naming the classes."""
    names = [str(c) for c in classes]
    text = str(value).strip()
    if not isinstance(value, int) and text in names:
        return names.index(text)
    if isinstance(value, int) or text.isdigit():
        if 0 <= int(value) < len(names):
            return int(value)
        raise MMLinsemError(f'{what} index {int(value)} out of range 0..{len(names) - 1} '
                            f'(the classes: {", ".join(names)})')
    raise MMLinsemError(f'unknown {what} {value!r}; expected one of {", ".join(names)} or an '
                        f'index < {len(names)}')
