"""Fair per-class feature sampling (the paper's Algorithm 1) and class cosine similarity."""
from typing import Dict

import torch
import torch.nn.functional as F

from mmlinsem.models.heads.closed_form_lse import sample_features
from mmlinsem.utils.seeding import latent_for


@torch.no_grad()
def fair_feature_sampling(model,
                          t1: int = 200,
                          t2: int = 4000,
                          seed: int = 777,
                          max_images: int = 10000) -> Dict[int, torch.Tensor]:
    """Per class, T1 random pixels from every image where the class covers >= T1 pixels,
    until each pool holds T2 features (or ``max_images`` were drawn; pools may then be
    smaller). Returns {class: (n_k, D)} of features as the LSE sees them."""
    head = model.head_module
    k = head.num_classes
    pools = {c: [] for c in range(k)}
    counts = [0] * k
    gen = torch.Generator().manual_seed(seed)
    for i in range(max_images):
        if all(n >= t2 for n in counts):
            break
        z = latent_for(seed, i, (1, model.generator.noise_size))
        _, feats, labels = model.generate(z.to(next(head.parameters()).device))
        labels = labels[0].cpu()
        h, w = labels.shape
        for c in range(k):
            where = (labels == c).nonzero()
            if counts[c] >= t2 or len(where) < t1:
                continue
            pick = where[torch.randperm(len(where), generator=gen)[:t1]]
            x = sample_features(feats, pick[:, 0][None], pick[:, 1][None], (h, w))[0]
            pools[c].append(x.cpu())
            counts[c] += t1
    return {c: torch.cat(v)[:t2] for c, v in pools.items() if v}


def category_cosine_similarity(pools: Dict[int, torch.Tensor]) -> torch.Tensor:
    """M[a, b] = mean cosine similarity over all pairs (one from pool a, one from pool b).

    The mean of all pairwise dot products of unit vectors is the dot product of the two
    pools' mean unit vectors, so no T2 x T2 matrix is formed."""
    classes = sorted(pools)
    means = torch.stack([F.normalize(pools[c].double(), dim=1).mean(0) for c in classes])
    return (means @ means.t()).float()
