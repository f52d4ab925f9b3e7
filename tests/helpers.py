"""Shared set-ups for the engine tests."""

from engine import BatchEnv, GameConfig, tables
from engine.world import BUILDING_BASE, BUILDINGS_PER_TEAM

# A small map with a fixed lineup, so hand-computed numbers hold.
LINEUP = [h.name for h in tables.HEROES[:10]]
SMALL = {"map_size": 6000.0, "creep_slots": 48, "obs_units": 32, "lineup": LINEUP}
RADIANT, DIRE = 0, 1


def make_env(num_games=1, seed=0, **overrides):
    env = BatchEnv(GameConfig(**{**SMALL, **overrides}), num_games=num_games, seed=seed)
    env.reset()
    return env


def bslot(team, name):
    """Unit slot of building `name` of `team`."""
    return BUILDING_BASE + team * BUILDINGS_PER_TEAM + tables.BUILDING_INDEX[name]
