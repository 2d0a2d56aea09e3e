"""A batch sampler whose global batch size grows with the iteration (paper: 1 -> 4 -> 64)."""
from typing import Iterator, List, Sequence

from mmengine.dist import get_world_size
from torch.utils.data import Sampler

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class StagedBatchSampler(Sampler):
    """Group indices of ``sampler`` into batches sized by a schedule.

    Args:
        sampler: the (rank-sharded) index sampler built by the runner.
        schedule (list[tuple[int, int]]): ``(first_iteration, global_batch_size)`` pairs,
            sorted; the global batch is split evenly over DDP ranks.
        batch_size (int): ignored (the runner passes it); kept for the config API.
    """

    def __init__(self,
                 sampler: Sampler,
                 schedule: Sequence[Sequence[int]],
                 batch_size: int = 1,
                 drop_last: bool = True):
        self.sampler = sampler
        self.schedule = [(int(i), int(b)) for i, b in schedule]
        world = get_world_size()
        if not self.schedule or self.schedule[0][0] != 0:
            raise MMLinsemError(f'schedule must start at iteration 0, got {schedule}')
        if any(a[0] >= b[0] for a, b in zip(self.schedule, self.schedule[1:])):
            raise MMLinsemError(f'schedule iterations must increase, got {schedule}')
        bad = [b for _, b in self.schedule if b <= 0 or b % world]
        if bad:
            raise MMLinsemError(f'global batch sizes {bad} must be positive multiples of the '
                                f'{world} processes')
        self.world = world

    def batch_size_at(self, iteration: int) -> int:
        size = self.schedule[0][1]
        for start, bs in self.schedule:
            if iteration >= start:
                size = bs
        return size // self.world

    def __iter__(self) -> Iterator[List[int]]:
        it, batch = 0, []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size_at(it):
                yield batch
                it, batch = it + 1, []

    def __len__(self) -> int:
        remaining, it, n = len(self.sampler), 0, 0
        while remaining >= self.batch_size_at(it):
            remaining -= self.batch_size_at(it)
            it, n = it + 1, n + 1
        return n
