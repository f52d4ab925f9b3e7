"""The linear schedule every annealed setting of a run follows (learning
rate, entropy bonus, team spirit)."""


def linear(start: float, end: float, progress: float) -> float:
    """`start` at progress 0, `end` at 1 and after; progress is clipped to [0, 1]."""
    return start + (end - start) * min(1.0, max(0.0, progress))
