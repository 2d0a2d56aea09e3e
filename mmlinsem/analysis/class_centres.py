"""Class centres of per-pixel features on the unit sphere, and the LSE they forge."""
import torch
import torch.nn.functional as F

from mmlinsem.errors import MMLinsemError
from mmlinsem.models.heads import LSEHead
from mmlinsem.models.heads.closed_form_lse import iter_pixel_features


@torch.no_grad()
def class_centres(model,
                  num_images: int = 3000,
                  pixels_per_image: int = 1024,
                  batch_size: int = 8,
                  seed: int = 4242) -> torch.Tensor:
    """(K, D) unit vectors: per class, the renormalised mean of the normalised features of
    its pixels (teacher labels), features as the LSE sees them (all layers, upsampled).
    Classes never seen get a zero row."""
    head = model.head_module
    k, d = head.num_classes, sum(head.in_channels)
    sums = torch.zeros(k, d, dtype=torch.float64)
    for x, y in iter_pixel_features(model, num_images, pixels_per_image, batch_size, seed):
        sums.index_add_(0, y.cpu(), F.normalize(x, dim=1).double().cpu())
    return F.normalize(sums, dim=1).float()


def forge_lse_from_centres(model, centres: torch.Tensor):
    """Turn ``model.head`` (an LSEHead) into the nearest-centre classifier on the sphere.

    argmax_k cos(c_k, x) = argmax_k c_k . x (|x| > 0 scales every class alike), so the
    centres are exactly an LSE's weights (layer weights reset to equal)."""
    head = model.head_module
    if not isinstance(head, LSEHead):
        raise MMLinsemError(f'forging needs an LSEHead, got {type(head).__name__}')
    head.set_linear_weight(centres)
    return model
