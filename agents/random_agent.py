"""The random-legal agent: every head sampled uniformly among what the masks
allow, so it never submits an invalid action."""

from __future__ import annotations

import numpy as np

from engine.constants import HEROES_PER_TEAM, NUM_HEADS
from engine.env import BatchEnv, Masks, Step


def sample_masked(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """Index of a uniformly chosen True entry along the last axis (0 where
    none is True)."""
    scores = np.where(mask, rng.random(mask.shape, dtype=np.float32), -1.0)
    return scores.argmax(axis=-1)


def random_legal_actions(rng: np.random.Generator, masks: Masks,
                         heroes: slice = slice(None)) -> np.ndarray:
    """A uniformly random legal action [G, heroes, heads] for the given heroes."""
    m = masks
    types = sample_masked(rng, m.type[:, heroes])
    out = np.zeros(types.shape + (NUM_HEADS,), np.int32)
    out[..., 0] = types
    target_mask = np.take_along_axis(m.target[:, heroes], types[:, :, None, None], axis=2)[:, :, 0]
    out[..., 1] = sample_masked(rng, target_mask)
    out[..., 2] = sample_masked(rng, m.offset_x[:, heroes])
    out[..., 3] = sample_masked(rng, m.offset_y[:, heroes])
    out[..., 4] = sample_masked(rng, m.item[:, heroes])
    return out


class RandomAgent:
    """Uniform over legal actions, with its own seeded generator."""

    name = "random"
    reads_obs = False

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)

    def act(self, env: BatchEnv, step: Step, team: int) -> np.ndarray:
        """Actions [G, 5, heads] for the five heroes of `team`."""
        heroes = slice(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM)
        return random_legal_actions(self.rng, step.masks, heroes)
