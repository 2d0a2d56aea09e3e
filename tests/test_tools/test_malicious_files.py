"""A file whose unpickling would run code is refused at every entry point, in one error
line, and its payload never runs (it would make the folder ``ran``)."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import run_tool

TINY = 'tests/configs/tiny_lse.py'


class Payload:

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker, ))


@pytest.fixture
def evil(tmp_path):
    """(path of a checkpoint-looking file with a payload, the marker it would create)."""
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={'w': torch.zeros(1)}, meta=Payload(marker)), path)
    return str(path), marker


def _annotations(root, marker):
    """An annotated set (latents/ + masks/) whose second latent is a payload."""
    (root / 'latents').mkdir(parents=True)
    (root / 'masks').mkdir()
    torch.save(torch.zeros(16), root / 'latents' / '00000.pt')
    torch.save(Payload(marker), root / 'latents' / '00001.pt')
    for i in range(2):
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(root / 'masks' / f'0000{i}.png')
    return str(root)


#: (entry point, tool, arguments with {evil} / {tmp}) -- one row per place a file comes in
ROWS = [
    ('head', 'tools/test.py', [TINY, '{evil}', '--work-dir', '{tmp}/wd']),
    ('generator', 'tools/train.py',
     [TINY, '--work-dir', '{tmp}/wd', '--cfg-options', 'model.generator.checkpoint={evil}']),
    ('teacher', 'tools/train.py',
     [TINY, '--work-dir', '{tmp}/wd', '--cfg-options', 'model.teacher.checkpoint={evil}']),
    ('resume', 'tools/train.py',
     [TINY, '--work-dir', '{tmp}/wd', '--resume', '--cfg-options', 'load_from={evil}']),
    ('annotation-latent', 'tools/train.py', [
        'tests/configs/tiny_fewshot.py', '--work-dir', '{tmp}/wd', '--cfg-options',
        'train_dataloader.dataset.data_root={tmp}/ann'
    ]),
    ('converter-input', 'tools/model_converters/stylegan1_genforce_to_mmlinsem.py',
     ['{evil}', '{tmp}/converted.pth']),
    ('generator-converter-input', 'tools/model_converters/to_mmlinsem.py',
     ['{evil}', '{tmp}/converted.pth']),
    ('head-converter-input', 'tools/model_converters/lineargan_head_to_mmlinsem.py',
     ['{evil}', '{tmp}/converted.pth']),
]


@pytest.mark.parametrize('entry,tool,args', ROWS, ids=[r[0] for r in ROWS])
def test_payload_refused_at_entry_point(entry, tool, args, evil, tmp_path):
    path, marker = evil
    _annotations(tmp_path / 'ann', marker)
    args = [a.format(evil=path, tmp=tmp_path) for a in args]
    res = run_tool(tool, *args, timeout=300)
    assert not marker.exists(), f'{entry}: the payload ran'
    assert res.returncode == 2, (res.returncode, res.stderr[-3000:])
    assert 'Traceback' not in res.stderr, res.stderr[-3000:]
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith('error: refused to load'), lines[-1]
    assert 'mkdir' in lines[-1] and '--trust-checkpoint' in lines[-1], lines[-1]
    assert not osp.exists(tmp_path / 'head.pth') and not osp.exists(tmp_path / 'converted.pth')


def test_resume_from_work_dir_with_payload(evil, tmp_path):
    """``--resume`` that finds a planted iter_N.pth through last_checkpoint."""
    path, marker = evil
    wd = tmp_path / 'wd'
    wd.mkdir()
    os.replace(path, wd / 'iter_3.pth')
    (wd / 'last_checkpoint').write_text(str(wd / 'iter_3.pth'))
    res = run_tool('tools/train.py', TINY, '--work-dir', str(wd), '--resume', timeout=300)
    assert not marker.exists()
    assert res.returncode == 2 and 'refused to load' in res.stderr.strip().splitlines()[-1], \
        res.stderr[-3000:]


def test_trust_checkpoint_flag_loads_with_warning(tmp_path):
    """The opt-in: a head file with a non-allowlisted (harmless) global loads after a
    warning naming its sha256; without the flag it is refused."""
    import fractions
    src = tmp_path / 'fraction.pth'
    torch.save(dict(meta=fractions.Fraction(1, 3), state_dict={}), src)
    tool = 'tools/test.py'
    res = run_tool(tool, TINY, str(src), '--work-dir', str(tmp_path / 'wd'))
    assert res.returncode == 2 and 'fractions.Fraction' in res.stderr.strip().splitlines()[-1]
    res = run_tool(tool, TINY, str(src), '--work-dir', str(tmp_path / 'wd'), '--trust-checkpoint')
    assert 'sha256' in res.stderr and str(src) in res.stderr, res.stderr[-3000:]
    # trusted, the file is read: it then fails as what it is (no head weights), one line
    assert 'refused to load' not in res.stderr
