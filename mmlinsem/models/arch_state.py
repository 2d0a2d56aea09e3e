"""Architecture metadata stored in ``state_dict`` as a tensor.

Heads and the extractor save what is needed to rebuild and check them (head type, layer
names, channels, classes) as ``_extra_state``. It is JSON encoded into a uint8 tensor,
because mmengine broadcasts and pickles whole state dicts and only handles tensors there.
"""
import json

import torch


def encode(meta: dict) -> torch.Tensor:
    return torch.tensor(list(json.dumps(meta, sort_keys=True).encode()), dtype=torch.uint8)


def decode(state) -> dict:
    if isinstance(state, dict):
        return state
    if torch.is_tensor(state):
        return json.loads(bytes(state.tolist()).decode())
    return {}
