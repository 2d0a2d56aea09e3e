"""Ensemble uncertainty maths (hand-made ensembles with known values) and the dataset
export (layout, determinism, shards, resume, filter) on the tiny random generator."""
import copy
import glob
import json
import math
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from mmlinsem.apis import LinSemInferencer, bootstrap_lse_ensemble, export_dataset, load_head
from mmlinsem.apis.synthesis import finalize_export, read_meta
from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation import (ensemble_label, ensemble_uncertainty, image_scores, js_divergence,
                                 keep_mask)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'tests', 'configs', 'tiny_lse.py')


def pixel(*dists):
    """(K, 1, C, 1, 1) probabilities: one pixel, member k has distribution dists[k]."""
    return torch.tensor(dists, dtype=torch.float64)[:, None, :, None, None]


# ------------------------------------------------------------------ the maths
def test_js_identical_members_is_zero():
    p = pixel([0.2, 0.5, 0.3], [0.2, 0.5, 0.3], [0.2, 0.5, 0.3])
    assert float(js_divergence(p)) == pytest.approx(0, abs=1e-7)


def test_js_two_disagreeing_one_hot_members_is_ln2():
    assert float(js_divergence(pixel([1, 0], [0, 1]))) == pytest.approx(math.log(2), abs=1e-6)


def test_js_k_disagreeing_one_hot_members_is_ln_k():
    p = pixel([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1])
    assert float(js_divergence(p)) == pytest.approx(math.log(4), abs=1e-6)


def test_js_mixed_members_known_value():
    # mean (0.75, 0.25): H = 0.5623; members' H: 0 and ln 2 -> mean 0.3466
    h_mean = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    expected = h_mean - math.log(2) / 2
    assert float(js_divergence(pixel([1, 0], [0.5, 0.5]))) == pytest.approx(expected, abs=1e-6)


def test_js_is_computed_from_probabilities_not_logits():
    # two members with logits (10, 0) and (0, 10): probabilities ~one-hot -> JS ~ ln 2
    logits = torch.tensor([[10.0, 0.0], [0.0, 10.0]])[:, None, :, None, None]
    res = ensemble_uncertainty(logits)
    assert float(res['js']) == pytest.approx(math.log(2), abs=1e-3)
    # shifting a member's logits changes nothing (softmax is shift invariant)
    res2 = ensemble_uncertainty(logits + torch.tensor([5.0, -3.0])[:, None, None, None, None])
    assert torch.allclose(res['js'], res2['js'], atol=1e-6)


def test_ensemble_label_is_the_mode_ties_to_mean_probability():
    probs = torch.zeros(3, 1, 2, 1, 2)  # 3 members, 2 classes, 1 x 2 pixels
    # pixel 0: votes 0, 1, 1 -> class 1 although member 0 is very sure of class 0
    probs[:, 0, :, 0, 0] = torch.tensor([[0.99, 0.01], [0.4, 0.6], [0.3, 0.7]])
    # pixel 1: votes 0, 1, 0 -> class 0 although class 1 has the larger mean probability
    probs[:, 0, :, 0, 1] = torch.tensor([[0.55, 0.45], [0.1, 0.9], [0.6, 0.4]])
    label = ensemble_label(probs)
    assert label.shape == (1, 1, 2)
    assert label[0, 0].tolist() == [1, 0]
    # a tie of votes (one each) goes to the larger mean probability: (0.35, 0.65)
    assert ensemble_label(pixel([0.6, 0.4], [0.1, 0.9])).item() == 1
    assert ensemble_label(pixel([0.9, 0.1], [0.4, 0.6])).item() == 0


def test_image_score_is_the_mean_of_the_top_10_percent():
    js = torch.arange(100, dtype=torch.float32).reshape(1, 10, 10)
    assert float(image_scores(js)[0]) == pytest.approx(np.mean(np.arange(90, 100)))
    js = torch.zeros(2, 10, 10)
    js[0].view(-1)[:10] = 1.0  # exactly 10 % of the pixels at 1: score 1
    js[1].view(-1)[:5] = 1.0  # 5 %: half of the top 10 % -> 0.5
    assert image_scores(js).tolist() == pytest.approx([1.0, 0.5])
    assert float(image_scores(js, top_frac=0.05)[1]) == pytest.approx(1.0)
    with pytest.raises(MMLinsemError):
        image_scores(js, top_frac=0)


def test_keep_mask_drops_the_most_uncertain():
    scores = [0.1, 0.9, 0.5, 0.8, 0.2, 0.3, 0.0, 0.4, 0.6, 0.7]
    keep = keep_mask(scores, 0.1)
    assert keep.tolist() == [i != 1 for i in range(10)]
    keep = keep_mask(scores, 0.3)
    assert [i for i, k in enumerate(keep.tolist()) if not k] == [1, 3, 9]
    assert keep_mask(scores, 0.0).all()
    # ties: the later index goes first, so the choice depends on the scores alone
    assert keep_mask([0.5, 0.9, 0.9, 0.1], 0.25).tolist() == [True, True, False, True]
    with pytest.raises(MMLinsemError):
        keep_mask(scores, 1.0)


# ------------------------------------------------------------------- export
@pytest.fixture(scope='module')
def tiny():
    inf = LinSemInferencer(TINY)
    heads = [inf.model.head_module, copy.deepcopy(inf.model.head_module)]
    with torch.no_grad():
        g = torch.Generator().manual_seed(3)
        for p in heads[1].parameters():
            p.add_(0.5 * torch.randn(p.shape, generator=g))
    return inf.model, heads


def files_of(out):
    """relative path -> bytes of every data file of an export (not its config)."""
    found = {}
    for path in glob.glob(osp.join(out, '**', '*'), recursive=True):
        rel = osp.relpath(path, out)
        if osp.isfile(path) and rel not in ('seg_config.py', '.finalize.lock'):
            with open(path, 'rb') as f:
                found[rel] = f.read()
    return found


def export(model, heads, out, num, **kw):
    kw.setdefault('batch_size', 4)
    return export_dataset(model, str(out), num, heads=heads, progress=False, **kw)


def test_export_layout_pngs_and_mmseg_config(tiny, tmp_path):
    model, heads = tiny
    out = tmp_path / 'ds'
    stats = export(model, heads, out, 10, val_frac=0.3, drop_frac=0.2)
    assert stats['written'] == 10 and stats['images_per_s'] > 0
    assert stats['generator_images_per_s'] > 0
    assert stats['finalized'] == dict(
        total=10, kept=8, dropped=2, threshold=stats['finalized']['threshold'])
    meta = read_meta(str(out))
    assert sorted(meta) == list(range(10))
    assert {m['split'] for m in meta.values()} == {'train', 'val'}
    kept = {i for i, m in meta.items() if m['kept']}
    dropped = sorted(set(range(10)) - kept)
    scores = [meta[i]['score'] for i in range(10)]
    assert dropped == sorted(np.argsort(scores)[-2:].tolist())  # the two most uncertain
    # recompute labels and scores from scratch: the files hold exactly the ensemble's
    from mmlinsem.apis.synthesis import ensemble_predict
    from mmlinsem.utils.seeding import latent_for
    z = torch.stack([latent_for(0, i, (model.generator.noise_size, )) for i in range(4)])
    with torch.no_grad():
        img, feats = model.generator(model.generator.to_wp(z, 'z'), space='w+', truncate=False)
    res = ensemble_predict(heads, feats, (16, 16))
    for i in range(10):
        m = meta[i]
        where = '' if m['kept'] else 'filtered'
        ann = osp.join(out, where, 'ann_dir', m['split'], m['name'] + '.png')
        im = osp.join(out, where, 'img_dir', m['split'], m['name'] + '.png')
        assert osp.isfile(ann) and osp.isfile(im)
        assert not osp.isfile(
            osp.join(out, '' if where else 'filtered', 'ann_dir', m['split'], m['name'] + '.png'))
        png = Image.open(ann)
        assert png.mode == 'P'
        lab = np.array(png)
        assert lab.shape == (16, 16) and lab.max() < 4
        assert np.array(Image.open(im)).shape == (16, 16, 3)
        assert np.load(osp.join(out, 'latents', m['name'] + '.npy')).shape[-1] == 16
        if i < 4:
            assert (lab == res['label'][i].numpy()).all()
            assert m['score'] == pytest.approx(float(res['score'][i]), abs=1e-6)
    # mmseg's LoadAnnotations reads the palette PNGs as class indices
    from mmseg.datasets.transforms import LoadAnnotations
    m = meta[sorted(kept)[0]]
    ann = osp.join(out, 'ann_dir', m['split'], m['name'] + '.png')
    loaded = LoadAnnotations()(dict(seg_map_path=ann, reduce_zero_label=False, seg_fields=[]))
    assert (loaded['gt_seg_map'] == np.array(Image.open(ann))).all()
    # the config loads and builds the mmseg dataset over the kept images
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(str(out / 'seg_config.py'))
    assert cfg.model.decode_head.num_classes == 4
    import mmseg.datasets  # noqa: F401
    from mmseg.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmseg'):
        train = DATASETS.build(cfg.train_dataloader.dataset)
        val = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(train) == sum(1 for i in kept if meta[i]['split'] == 'train')
    assert len(train) + len(val) == 8
    assert list(train.metainfo['classes']) == ['background', 'a', 'b', 'c']
    sample = train[0]
    assert tuple(sample['inputs'].shape) == (3, 16, 16)
    assert sample['data_samples'].gt_sem_seg.data.max() < 4


def test_export_is_deterministic_and_shards_union_is_unsharded(tiny, tmp_path):
    model, heads = tiny
    export(model, heads, tmp_path / 'a', 9, drop_frac=0.2)
    export(model, heads, tmp_path / 'b', 9, drop_frac=0.2)
    a, b = files_of(tmp_path / 'a'), files_of(tmp_path / 'b')
    assert len([p for p in a if p.startswith('latents')]) == 9
    assert a == b
    first = export(model, heads, tmp_path / 's', 9, shard=(1, 2), drop_frac=0.2)
    assert first['finalized'] is None  # shard 0 not done: no filter yet
    assert len(read_meta(str(tmp_path / 's'))) == 4  # chunk 1 of 4 samples: 4..7
    second = export(model, heads, tmp_path / 's', 9, shard=(0, 2), drop_frac=0.2)
    assert second['finalized']['total'] == 9
    assert files_of(tmp_path / 's') == a
    # another seed gives other samples
    export(model, heads, tmp_path / 'c', 9, seed=1, drop_frac=0.2)
    c = files_of(tmp_path / 'c')
    assert c['latents/00000000.npy'] != a['latents/00000000.npy']


def test_resume_after_interruption_equals_uninterrupted(tiny, tmp_path, monkeypatch):
    model, heads = tiny
    ref = tmp_path / 'ref'
    export(model, heads, ref, 8, drop_frac=0.25)
    out = tmp_path / 'out'
    export(model, heads, out, 4, drop_frac=0.25)  # a complete smaller export
    with pytest.raises(MMLinsemError, match='--resume'):
        export(model, heads, out, 8, drop_frac=0.25)
    # kill the resumed run after 2 more samples: the third one's files are written,
    # its meta record is not; a temp file and a torn meta line are left behind
    from mmlinsem.apis.synthesis import dataset_export as mod
    real_append, calls = mod._append_meta, []

    def dying_append(folder, record):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(record['index'])
        real_append(folder, record)

    monkeypatch.setattr(mod, '_append_meta', dying_append)
    with pytest.raises(KeyboardInterrupt):
        export(model, heads, out, 8, drop_frac=0.25, resume=True)
    monkeypatch.setattr(mod, '_append_meta', real_append)
    assert calls == [4, 5]
    assert osp.isfile(out / 'latents' / '00000006.npy')  # written, not recorded
    with open(out / 'img_dir' / 'train' / '.tmp-k1ll3d-00000007.png', 'wb') as f:
        f.write(b'half a png')
    with open(out / 'meta.jsonl', 'a') as f:
        f.write('{"index": 7, "sco')
    stats = export(model, heads, out, 8, drop_frac=0.25, resume=True)
    assert stats['written'] == 2 and stats['skipped'] == 6
    assert not glob.glob(str(out / '**' / '.tmp-*'), recursive=True)
    assert files_of(out) == files_of(ref)
    lines = open(out / 'meta.jsonl').read().splitlines()
    assert [json.loads(x)['index'] for x in lines] == list(range(8))  # no duplicates
    # resuming a finished export writes nothing and changes nothing
    assert export(model, heads, out, 8, drop_frac=0.25, resume=True)['written'] == 0
    assert files_of(out) == files_of(ref)


def test_filter_is_a_second_pass_that_can_be_redone(tiny, tmp_path):
    model, heads = tiny
    out = str(tmp_path / 'f')
    export(model, heads, out, 8, drop_frac=0.25)
    assert len(glob.glob(osp.join(out, 'filtered', 'img_dir', '*', '*.png'))) == 2
    summary = finalize_export(out, 0.0)  # no filter: everything moves back
    assert summary['dropped'] == 0
    assert not glob.glob(osp.join(out, 'filtered', '*', '*', '*.png'))
    assert all(m['kept'] for m in read_meta(out).values())
    assert len(glob.glob(osp.join(out, 'img_dir', '*', '*.png'))) == 8


def test_export_refuses_bad_settings(tiny, tmp_path):
    model, heads = tiny
    with pytest.raises(MMLinsemError, match='ensemble'):
        export(model, heads[:1], tmp_path / 'x', 4, drop_frac=0.1)
    export(model, heads, tmp_path / 'y', 4)
    with pytest.raises(MMLinsemError, match='other settings'):
        export(model, heads, tmp_path / 'y', 8, seed=5, resume=True)
    with pytest.raises(MMLinsemError):
        export(model, heads, tmp_path / 'z', 0)


def test_bootstrap_ensemble_members_differ_and_are_reproducible(tiny, tmp_path):
    model, _ = tiny
    kw = dict(num_annotated=4, pixels_per_image=64, seed=0)
    members = bootstrap_lse_ensemble(model, 3, **kw)
    again = bootstrap_lse_ensemble(model, 3, **kw)
    assert len(members) == 3
    w = [torch.cat([p.flatten() for p in h.parameters()]) for h in members]
    assert not torch.allclose(w[0], w[1])
    for h, g in zip(members, again):
        for p, q in zip(h.parameters(), g.parameters()):
            assert torch.equal(p, q)
    # the fit is a real fit: on its own annotated (teacher) samples a member agrees with
    # the teacher far more than chance
    from mmlinsem.utils.seeding import latent_for
    z = torch.stack([latent_for(1116, i, (16, )) for i in range(4)])
    with torch.no_grad():
        img, feats = model.generator(z, space='z')
        teacher = model.teacher(img)
        pred = members[0](feats, size=(16, 16)).argmax(1)
    assert (pred == teacher).float().mean() > 0.4
    # an annotated folder (latents/ + masks/, w+) works as well
    ann = tmp_path / 'ann'
    os.makedirs(ann / 'latents')
    os.makedirs(ann / 'masks')
    with torch.no_grad():
        wp = model.generator.to_wp(z, 'z')
    for i in range(4):
        np.save(ann / 'latents' / f'{i:02d}.npy', wp[i].numpy())
        Image.fromarray(teacher[i].numpy().astype(np.uint8)).save(ann / 'masks' / f'{i:02d}.png')
    folder = bootstrap_lse_ensemble(model, 2, annotations=str(ann), pixels_per_image=64)
    with torch.no_grad():
        img2, feats2 = model.generator(wp, space='w+', truncate=False)
        pred2 = folder[0](feats2, size=(16, 16)).argmax(1)
    assert (pred2 == teacher).float().mean() > 0.4


def test_load_head(tiny, tmp_path):
    model, heads = tiny
    sd = {k: v for k, v in model.state_dict().items()}
    sd.update({'head.' + k: v for k, v in heads[1].state_dict().items()})
    torch.save({'state_dict': sd}, tmp_path / 'h.pth')
    head = load_head(model, str(tmp_path / 'h.pth'))
    for p, q in zip(head.parameters(), heads[1].parameters()):
        assert torch.equal(p, q)
    torch.save({'state_dict': {'other.weight': torch.zeros(1)}}, tmp_path / 'bad.pth')
    with pytest.raises(MMLinsemError, match='no head'):
        load_head(model, str(tmp_path / 'bad.pth'))
    with pytest.raises(MMLinsemError, match='not found'):
        load_head(model, str(tmp_path / 'missing.pth'))


def test_teacher_labelled_export_holds_the_teachers_labels(tiny, tmp_path):
    from mmlinsem.utils import noise_for, sample_seed
    model, heads = tiny
    out = tmp_path / 'distilled'
    stats = export_dataset(
        model, str(out), 6, batch_size=1, progress=False, teacher_labels=True, val_frac=0.0)
    assert stats['written'] == 6 and stats['finalized']['kept'] == 6
    manifest = json.load(open(out / 'export.json'))
    assert manifest['labeller'] == 'teacher' and manifest['ensemble'] == dict(members=0)
    meta = read_meta(str(out))
    assert all(m['score'] == 0 for m in meta.values())
    differs = 0
    for i, m in meta.items():
        # batch_size=1 above: one sample per generator pass, as here (bitwise)
        wp = torch.from_numpy(np.load(out / 'latents' / (m['name'] + '.npy')))[None]
        with torch.no_grad():  # the saved w+ is already truncated
            img, feats = model.generator(
                wp,
                space='w+',
                truncate=False,
                noise=noise_for(model.generator, [sample_seed(0, i)], 'cpu'))
            teacher = model.teacher(img)
        got = np.array(Image.open(out / 'ann_dir' / 'train' / (m['name'] + '.png')))
        assert np.array_equal(got, teacher[0].numpy())
        head = heads[0](feats, size=got.shape).argmax(1)[0].numpy()
        differs += int(not np.array_equal(head, got))
    assert differs > 0  # the random head labels otherwise: the teacher did label these
    with pytest.raises(MMLinsemError, match='no head ensemble'):
        export_dataset(model, str(tmp_path / 'x'), 2, heads=heads, teacher_labels=True)
    with pytest.raises(MMLinsemError, match='no head ensemble'):
        export_dataset(model, str(tmp_path / 'y'), 2, drop_frac=0.1, teacher_labels=True)
