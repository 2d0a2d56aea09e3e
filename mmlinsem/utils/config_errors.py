"""A wrong keyword in a config, explained in one line.

Building a registered object with a key its class does not take (``train_cfg.max_iter``,
``optimizer.lrr``, ``model.generator.truncaton`` ...) raises ``TypeError: X.__init__() got
an unexpected keyword argument 'k'`` somewhere deep in a builder. :func:`explain` turns it
into "unknown config key model.micro_bach: SemanticExtractor takes ...; did you mean
model.micro_batch?", using the config the tool loaded (:func:`remember_config`) to name
the key's path and the class's signature for the accepted keys.
"""
import difflib
import inspect
import re
from typing import List, Optional

_current = [None]
_UNEXPECTED = re.compile(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")


def remember_config(cfg) -> None:
    """Keep the config being run (``load_config`` / the inferencer call this)."""
    _current[0] = cfg


def _chain(err: BaseException):
    seen = []
    while err is not None and err not in seen:
        seen.append(err)
        err = err.__cause__ or err.__context__
    return seen


def _find_class(errors, name: str):
    for err in errors:
        tb = err.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            for scope in (frame.f_locals, frame.f_globals):
                for value in list(scope.values()):
                    if isinstance(value, type) and value.__name__ == name:
                        return value
            tb = tb.tb_next
    return None


def accepted_keys(cls) -> List[str]:
    """The keyword arguments ``cls(...)`` takes (for the error line)."""
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return []
    return [
        p.name for p in params
        if p.name != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _paths(node, key: str, path: str = ''):
    """(path, the dict) of every dict under ``node`` holding ``key``."""
    if isinstance(node, dict):
        if key in node:
            yield (f'{path}.{key}' if path else key), node
        for k, v in node.items():
            yield from _paths(v, key, f'{path}.{k}' if path else str(k))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _paths(v, key, f'{path}[{i}]')


def config_path(cfg, key: str, cls_name: str) -> str:
    """The config path of ``key`` (the dict of type ``cls_name`` preferred)."""
    if cfg is None:
        return key
    root = cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)
    found = list(_paths(root, key))
    if not found:
        return key
    typed = [p for p, d in found if str(d.get('type', '')).split('.')[-1] == cls_name]
    return (typed or [found[0][0]])[0]


def explain(err: BaseException) -> Optional[str]:
    """One line for an unexpected-keyword ``TypeError`` of a builder, else None."""
    errors = _chain(err)
    for e in errors:
        match = _UNEXPECTED.search(str(e))
        if match:
            break
    else:
        return None
    cls_name, key = match.groups()
    cls = _find_class(errors, cls_name)
    accepted = accepted_keys(cls) if cls is not None else []
    path = config_path(_current[0], key, cls_name)
    line = f'unknown config key {path}: {cls_name} does not take {key!r}'
    if accepted:
        line += f' (it takes {", ".join(accepted)})'
        close = difflib.get_close_matches(key, accepted, n=1)
        if close:
            parent = path.rsplit('.', 1)[0] + '.' if '.' in path else ''
            line += f'; did you mean {parent}{close[0]}?'
    return line
