"""Checkpoints named by URL go through the same safe reader as local files."""
import os

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from mmlinsem.compat.checkpoint_loader import load_from_http
from mmlinsem.utils.safe_load import UnsafeCheckpointError


class Payload:

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker, ))


def test_http_scheme_is_the_safe_loader():
    for prefix in ('http://', 'https://'):
        assert CheckpointLoader._get_checkpoint_loader(prefix + 'x/y.pth') is load_from_http


def test_url_download_cached_and_read_safely(tmp_path, monkeypatch):
    """A URL (file:// here: no network) is downloaded into the hub cache, then read like a
    local file: plain weights load, a payload is refused and does not run."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'torch_home' / 'hub'))
    src = tmp_path / 'served'
    src.mkdir()
    torch.save(dict(state_dict=dict(w=torch.ones(2))), src / 'head.pth')
    out = load_from_http(f'file://{src}/head.pth', map_location='cpu')
    assert torch.equal(out['state_dict']['w'], torch.ones(2))
    assert (tmp_path / 'torch_home' / 'hub' / 'checkpoints' / 'head.pth').is_file()
    marker = tmp_path / 'ran'
    torch.save(dict(meta=Payload(marker)), src / 'evil.pth')
    with pytest.raises(UnsafeCheckpointError, match='refused to load'):
        load_from_http(f'file://{src}/evil.pth')
    assert not marker.exists()
