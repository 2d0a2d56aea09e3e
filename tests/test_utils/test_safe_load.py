"""The safe loader: plain weights load, anything that would run code is refused."""
import collections
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from mmlinsem.utils.safe_load import (RestrictedUnpickler, UnsafeCheckpointError,
                                      checkpoints_trusted, restricted_load, safe_torch_load,
                                      sha256_of, trusting)


class Payload:
    """Unpickling this object makes the folder ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker, ))


def test_plain_checkpoint_loads(tmp_path):
    ckpt = dict(
        state_dict=collections.OrderedDict(w=torch.randn(2, 3)),
        meta=dict(
            seed=np.int64(3),
            scale=np.float32(0.5),
            hist=np.arange(4),
            dtype=np.dtype('float32'),
            classes=('background', 'hair')))
    torch.save(ckpt, tmp_path / 'a.pth')
    out = safe_torch_load(str(tmp_path / 'a.pth'))
    assert torch.equal(out['state_dict']['w'], ckpt['state_dict']['w'])
    assert out['meta']['seed'] == 3 and out['meta']['classes'] == ('background', 'hair')
    np.testing.assert_array_equal(out['meta']['hist'], np.arange(4))


def test_mmengine_training_state_loads(tmp_path):
    """The objects mmengine's resume checkpoints hold (message hub buffers, config dicts)."""
    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer()
    buf.update(1.5)
    torch.save(
        dict(message_hub=dict(log_scalars=dict(loss=buf)), cfg=ConfigDict(a=1)), tmp_path / 'r.pth')
    out = safe_torch_load(str(tmp_path / 'r.pth'))
    assert out['message_hub']['log_scalars']['loss'].current() == 1.5
    assert out['cfg'].a == 1


def test_payload_refused_and_not_run(tmp_path):
    marker = tmp_path / 'ran'
    torch.save(dict(state_dict={}, meta=Payload(marker)), tmp_path / 'evil.pth')
    with pytest.raises(UnsafeCheckpointError) as err:
        safe_torch_load(str(tmp_path / 'evil.pth'))
    msg = str(err.value)
    assert '\n' not in msg and 'mkdir' in msg and '--trust-checkpoint' in msg
    assert not marker.exists()


def test_trust_opt_in_warns_with_sha256(tmp_path):
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(meta=Payload(marker)), path)
    assert not checkpoints_trusted()
    with trusting(), pytest.warns(UserWarning) as record:
        safe_torch_load(path)
    assert not checkpoints_trusted()
    text = str(record[0].message)
    assert path in text and sha256_of(path) in text
    assert marker.exists()  # the opt-in really loads unrestricted


def test_restricted_unpickler_plain_pickle(tmp_path):
    path = tmp_path / 'ok.pkl'
    with open(path, 'wb') as f:
        pickle.dump(dict(w=torch.randn(3), p=torch.nn.Parameter(torch.ones(2)), n=np.ones(2)), f)
    out = restricted_load(str(path))
    assert out['w'].shape == (3, ) and isinstance(out['p'], torch.nn.Parameter)


@pytest.mark.parametrize('payload', ['exec', 'getattr', 'mkdir', 'system'])
def test_restricted_unpickler_refuses(tmp_path, payload):
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.pkl'
    reduce = dict(
        exec=(exec, (f'import os; os.mkdir({str(marker)!r})', )),
        getattr=(getattr, (collections.OrderedDict, 'fromkeys')),
        mkdir=(os.mkdir, (str(marker), )),
        system=(os.system, (f'mkdir {marker}', )))[payload]

    class Evil:

        def __reduce__(self):
            return reduce

    with open(path, 'wb') as f:
        pickle.dump({'G_ema': Evil()}, f)
    with pytest.raises(UnsafeCheckpointError, match='refused to load'):
        restricted_load(str(path))
    assert not marker.exists()


def test_restricted_unpickler_stand_ins(tmp_path):
    """Format readers replace a foreign class by an inert stand-in."""
    path = tmp_path / 'x.pkl'
    with open(path, 'wb') as f:
        pickle.dump(collections.Counter(a=2), f)
    with pytest.raises(UnsafeCheckpointError, match='collections.Counter'):
        restricted_load(str(path))
    with open(path, 'rb') as f:
        out = RestrictedUnpickler(f, extra={('collections', 'Counter'): dict}).load()
    assert out == {'a': 2}
    assert osp.isfile(path)


def test_getattr_only_for_log_buffer_methods(tmp_path):
    """mmengine's log buffers pickle getattr(HistoryBuffer, 'min'); getattr on anything else
    (e.g. a module's function) is refused."""
    from mmengine.logging import HistoryBuffer

    class Sneaky:

        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    torch.save(dict(meta=Sneaky()), tmp_path / 's.pth')
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        safe_torch_load(str(tmp_path / 's.pth'))


@pytest.mark.parametrize('content', [b'a text file, not weights\n' * 40, b'n' * 100, b'\x80\x02}q'])
def test_damaged_file_is_no_refusal(tmp_path, content):
    """Bytes that are no pickle are an unreadable file, not a refused global."""
    path = tmp_path / 'x.pth'
    path.write_bytes(content)
    with pytest.raises(Exception) as err:
        safe_torch_load(str(path))
    assert not isinstance(err.value, UnsafeCheckpointError), err.value


def test_legacy_format_payload_refused(tmp_path):
    marker = tmp_path / 'ran'
    path = tmp_path / 'old.pth'
    torch.save(dict(meta=Payload(marker)), path, _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError, match='mkdir'):
        safe_torch_load(str(path))
    assert not marker.exists()
