"""The pool of past policies a learner plays against, as OpenAI Five kept it.

A snapshot of the learner joins every N updates with the pool's highest
quality; opponents are drawn with probability proportional to exp(quality);
when the learner beats snapshot i, q_i -= lr / (N * p_i), so snapshots the
learner has outgrown are drawn less. Snapshots are policy files in a folder
(the run's `pool/`), each also registered in the run's league; the pool's own state is a plain dict saved with the
trainer's checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from agents import checkpoint
from league.seats import PoolView


class SnapshotPool:
    def __init__(self, folder: str | Path, quality_lr: float = 0.01, max_size: int = 100,
                 complete: Callable[[dict], dict] | None = None):
        """`complete` fills in what a snapshot of an older network lacks
        (`agents.policy.with_win_head`), so old and new ones stack."""
        self.folder = Path(folder)
        self.complete = complete
        self.quality_lr = quality_lr
        self.max_size = max_size
        self.steps: list[int] = []  # training step of each snapshot
        self.quality: list[float] = []
        self._cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.steps)

    def path(self, step: int) -> Path:
        """The file of the snapshot taken at training step `step`."""
        return self.folder / f"snapshot_{step:012d}.msgpack"

    def add(self, step: int, meta: dict[str, Any], policy: dict[str, Any]) -> None:
        """Save `policy` (params and normaliser) as a new snapshot."""
        if len(self) >= self.max_size:  # the oldest leaves the pool; its file stays for the league
            self._cache.pop(self.steps[0], None)
            del self.steps[0], self.quality[0]
        self.steps.append(step)
        self.quality.append(max(self.quality, default=0.0))
        checkpoint.save(self.path(step), {**meta, "step": step}, policy)

    def probabilities(self) -> np.ndarray:
        q = np.asarray(self.quality, np.float64)
        p = np.exp(q - q.max())
        return p / p.sum()

    def sample(self, rng: np.random.Generator) -> int:
        """The step of a snapshot drawn by quality."""
        return self.steps[int(rng.choice(len(self), p=self.probabilities()))]

    def learner_won(self, step: int) -> None:
        """Lower the quality of the snapshot of `step` after the learner beat
        it (nothing if it has left the pool since)."""
        if step in self.steps:
            i = self.steps.index(step)
            self.quality[i] -= self.quality_lr / (len(self) * self.probabilities()[i])

    def load(self, step: int) -> dict[str, Any]:
        """The snapshot's policy tree (params and normaliser)."""
        if step not in self._cache:
            tree = checkpoint.load(self.path(step))[1]
            if self.complete is not None:
                tree["params"] = self.complete(tree["params"])
            self._cache[step] = tree
        return self._cache[step]

    def view(self) -> PoolView:
        """What a rollout needs of the pool: steps, probabilities, policies."""
        if not self.steps:
            return PoolView((), np.zeros(0), {})
        return PoolView(tuple(self.steps), self.probabilities(), {step: self.load(step) for step in self.steps})

    def state(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "quality": list(self.quality)}

    def restore(self, state: dict[str, Any]) -> None:
        self.steps = [int(s) for s in state["steps"]]
        self.quality = [float(q) for q in state["quality"]]
        self._cache.clear()
