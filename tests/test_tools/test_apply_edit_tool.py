"""tools/apply_edit.py (issue 14): a saved w+ edit applied to other samples at strengths."""
import json

import numpy as np
import pytest
import torch

from conftest import run_tool

CFG = 'tests/configs/tiny_lse.py'


@pytest.fixture(scope='module')
def saved(tmp_path_factory):
    from mmlinsem.apis import LinSemInferencer, edit_delta, save_edit, semantic_image_edit
    from mmlinsem.utils import latent_for, save_head_checkpoint
    root = tmp_path_factory.mktemp('apply_edit')
    inf = LinSemInferencer(CFG)
    ckpt = save_head_checkpoint(inf.model, str(root / 'head.pth'))
    gen = inf.model.generator
    z = latent_for(0, 0, (gen.noise_size, ))[None]
    with torch.no_grad():
        wp0 = gen.to_wp(z, 'z', truncate=False)
    current = inf.segment(z)['masks'][0]
    target = current.clone()
    target[:, :8] = (current[:, :8] + 1) % len(inf.classes)  # repaint the left half
    out = semantic_image_edit(inf.model, wp0, 'w+', target=target, space='w+', steps=4, lr=0.05)
    delta = edit_delta(inf.model, out, wp0)
    path = save_edit(str(root / 'edit.npz'), delta, target != current, label=1, class_name='c1')
    return root, ckpt, path, wp0, delta


def test_apply_edit_writes_rows_latents_and_metrics(saved):
    root, ckpt, path, wp0, delta = saved
    out = root / 'out'
    res = run_tool('tools/apply_edit.py', CFG, ckpt, path, '--index', '0,1', '--strength', '0,1',
                   '--out', str(out))
    assert res.returncode == 0, res.stderr
    assert (out / 'apply_edit.png').is_file()
    metrics = json.loads((out / 'metrics.json').read_text())
    assert [(r['name'], r['strength']) for r in metrics['results']] == [('seed0_0', 0.0),
                                                                        ('seed0_0', 1.0),
                                                                        ('seed0_1', 0.0),
                                                                        ('seed0_1', 1.0)]
    assert metrics['results'][0]['changed_fraction'] == 0.0  # strength 0: nothing moves
    # strength 1 on the latent the edit came from gives the edited latent back
    edited = np.load(out / 'latents' / 'seed0_0_s1.npy')
    np.testing.assert_allclose(edited, (wp0[0] + delta).numpy(), atol=1e-6)
    np.testing.assert_array_equal(np.load(out / 'latents' / 'seed0_0_s0.npy'), wp0[0].numpy())
    # the same sample given as a saved w+ latent (the app's download) edits the same way
    np.save(root / 'mine.npy', wp0[0].numpy())
    res = run_tool('tools/apply_edit.py', CFG, ckpt, path, '--latent', str(root / 'mine.npy'),
                   '--out', str(root / 'out2'))
    assert res.returncode == 0, res.stderr
    np.testing.assert_array_equal(np.load(root / 'out2' / 'latents' / 'mine_s1.npy'), edited)


def test_bad_edit_file_is_one_line(saved, tmp_path):
    root, ckpt, _, _, _ = saved
    junk = tmp_path / 'junk.npz'
    junk.write_text('hello')
    for args, match in (((str(junk), ), 'is not an mmlinsem edit file'),
                        ((str(tmp_path / 'nope.npz'), ), 'edit file not found'),
                        ((str(root / 'edit.npz'), '--strength', 'x'), '--strength must be')):
        res = run_tool('tools/apply_edit.py', CFG, ckpt, *args, '--out', str(tmp_path / 'o'))
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 2 and len(lines) == 1 and match in lines[0], res.stderr
