"""Registries of the ``mmlinsem`` scope.

Every registry is a child of the matching mmseg registry (itself a child of mmengine's
root), so with ``default_scope='mmlinsem'`` mmseg names (``EncoderDecoder``,
``CrossEntropyLoss``, ``IoUMetric`` ...) resolve without a prefix. mmagic parts are
siblings: build them with ``_scope_='mmagic'`` in their sub-config.
"""
from mmengine.registry import Registry
from mmseg import registry as _seg

_LOC = 'mmlinsem'


def _child(parent: Registry, sub: str = '') -> Registry:
    locations = [f'{_LOC}.{sub}'] if sub else [_LOC]
    return Registry(parent.name, parent=parent, scope='mmlinsem', locations=locations)


RUNNERS = _child(_seg.RUNNERS)
RUNNER_CONSTRUCTORS = _child(_seg.RUNNER_CONSTRUCTORS)
LOOPS = _child(_seg.LOOPS, 'engine')
HOOKS = _child(_seg.HOOKS, 'engine')
DATASETS = _child(_seg.DATASETS, 'datasets')
DATA_SAMPLERS = _child(_seg.DATA_SAMPLERS, 'datasets')
TRANSFORMS = _child(_seg.TRANSFORMS, 'datasets')
MODELS = _child(_seg.MODELS, 'models')
MODEL_WRAPPERS = _child(_seg.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child(_seg.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child(_seg.OPTIMIZERS)
OPTIM_WRAPPERS = _child(_seg.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(_seg.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(_seg.PARAM_SCHEDULERS)
METRICS = _child(_seg.METRICS, 'evaluation')
EVALUATOR = _child(_seg.EVALUATOR, 'evaluation')
TASK_UTILS = _child(_seg.TASK_UTILS, 'models')
VISUALIZERS = _child(_seg.VISUALIZERS)
VISBACKENDS = _child(_seg.VISBACKENDS)
LOG_PROCESSORS = _child(_seg.LOG_PROCESSORS)


def build_in_scope(registry: Registry, cfg: dict, **kwargs):
    """Build ``cfg`` with ``registry`` in the ``mmlinsem`` scope unless it names another.

    ``Registry.build`` otherwise resolves names in whatever default scope is current
    (e.g. 'mmseg' after ``mmseg.apis.init_model``), where mmlinsem types do not exist.
    """
    cfg = dict(cfg)
    cfg.setdefault('_scope_', 'mmlinsem')
    return registry.build(cfg, **kwargs)
