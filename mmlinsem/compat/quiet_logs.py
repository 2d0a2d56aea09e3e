"""Log lines that say nothing to a user of mmlinsem, dropped from every mmengine logger.

mmengine's ``CheckpointHook`` builds a deprecated ``FileClient`` (and so a
``HardDiskBackend``) on every run for backward compatibility, although it writes through
``backend_args``: two deprecation warnings about mmengine's own code. Metrics whose keys are
meant unprefixed get a "prefix is not set" warning. Without CUDA, mmengine's "GPU number"
in the runtime environment is the number of processes: it is shown as "World size" there,
so no GPU count stands beside ``CUDA available: False``.
"""
import logging

import torch
from mmengine.logging import MMLogger

#: (start of the message, why it is harmless) of the records dropped from mmengine loggers
KNOWN_NOISE = (
    ('"FileClient" will be deprecated',
     "mmengine's CheckpointHook builds one on every run for backward compatibility"),
    ('"HardDiskBackend" is the alias of "LocalBackend"',
     'the disk backend of that same FileClient'),
    ('The prefix is not set in metric class',
     "metric keys stay unprefixed ('mIoU'), as mmseg's IoUMetric writes them"),
)


class _KnownNoiseFilter(logging.Filter):
    """Drops the records of ``KNOWN_NOISE``; names the world size honestly on CPU."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if not isinstance(msg, str):
            return True
        if msg.startswith(tuple(prefix for prefix, _ in KNOWN_NOISE)):
            return False
        if '\n    GPU number: ' in msg and not torch.cuda.is_available():
            record.msg = msg.replace('\n    GPU number: ', '\n    World size: ')
        return True


_NOISE_FILTER = _KnownNoiseFilter()
_mmlogger_init = MMLogger.__init__


def _mmlogger_init_quiet(self, *args, **kwargs):
    _mmlogger_init(self, *args, **kwargs)
    self.addFilter(_NOISE_FILTER)


MMLogger.__init__ = _mmlogger_init_quiet
for _logger in MMLogger._instance_dict.values():  # loggers made before mmlinsem was imported
    _logger.addFilter(_NOISE_FILTER)
