"""Local checkpoints through mmlinsem's one reader.

Under torch >= 2.6 ``torch.load`` defaults to ``weights_only=True`` and mmengine 0.10.7
does not pass ``weights_only``, so ``--resume`` and ``mmseg.apis.init_model`` fail on
mmengine's own checkpoints (they pickle ``HistoryBuffer``, numpy dtypes ...). mmengine's
local-file loader is re-registered as ``mmlinsem.utils.checkpoint_io.read_checkpoint``, so
``load_from``, ``--resume`` and ``load_checkpoint`` read as every other loader of mmlinsem
does: a file that is no checkpoint is one error line (path, size, expected), and a file
that asks for more than plain weights is refused (the safe loader, see
``mmlinsem.utils.safe_load``). URLs too: mmengine's ``http(s)://`` loader unpickles the
download with ``weights_only=False`` (torch.hub's default); ours downloads it into torch's
hub cache (rank 0 first, as mmengine does) and reads it through the same reader.
"""
import os

from mmengine.runner.checkpoint import CheckpointLoader

from mmlinsem.utils.checkpoint_io import download_checkpoint, hub_cache_path, read_checkpoint


# (named as mmengine's own loader: mmengine logs "Loads checkpoint by {name[10:]} backend")
def load_from_local(filename, map_location=None):
    return read_checkpoint(filename, map_location=map_location)


CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)


def load_from_http(filename, map_location=None, model_dir=None, progress=os.isatty(0)):
    from mmengine.dist import barrier, get_dist_info
    path = hub_cache_path(filename)
    if model_dir is not None:
        path = os.path.join(model_dir, os.path.basename(path))
    rank, world_size = get_dist_info()
    if rank == 0:
        download_checkpoint(filename, path, progress=progress)
    if world_size > 1:
        barrier()
    return read_checkpoint(path, map_location=map_location)


CheckpointLoader.register_scheme(prefixes=('http://', 'https://'), force=True)(load_from_http)
