"""Shared set-ups for the engine tests."""

from engine import BatchEnv, GameConfig, tables
from engine.world import BUILDING_BASE, BUILDINGS_PER_TEAM

# A small map with a fixed lineup, so hand-computed numbers hold.
LINEUP = [h.name for h in tables.HEROES[:10]]
SMALL = {"map_size": 6000.0, "creep_slots": 48, "obs_units": 32, "lineup": LINEUP}
RADIANT, DIRE = 0, 1
# The smallest map with paper buildings: the scripted bot wins in about two
# minutes, random play never does.
QUICK = GameConfig(map_size=2000.0, lane_width=300.0, time_cap_minutes=3.0, creep_slots=24, obs_units=16,
                   minimap_size=2, building_hp_scale=0.01, lineup="mirror")


def make_env(num_games=1, seed=0, **overrides):
    env = BatchEnv(GameConfig(**{**SMALL, **overrides}), num_games=num_games, seed=seed)
    env.reset()
    return env


def bslot(team, name):
    """Unit slot of building `name` of `team`."""
    return BUILDING_BASE + team * BUILDINGS_PER_TEAM + tables.BUILDING_INDEX[name]


# A training run small enough to take seconds: four 6-second games on the
# smallest map, one against each kind of opponent, a snapshot after every
# update (320 hero decisions: 16 steps of the learner's five heroes in four games).
TINY_RUN = {
    "game": {"map_size": 2000.0, "lane_width": 300.0, "time_cap_minutes": 0.1, "creep_slots": 24,
             "obs_units": 8, "minimap_size": 2, "lineup": "mirror"},
    "policy": {"unit_width": 8, "hidden": 16, "hero_embed": 4},
    "ppo": {"rollout_steps": 16, "chunk": 4, "minibatches": 2},
    "train": {"num_games": 4, "total_steps": 320, "opponent_latest": 0.25, "opponent_past": 0.25,
              "opponent_scripted": 0.25, "opponent_random": 0.25, "snapshot_every": 1,
              "checkpoint_every": 1, "eval_games": 0},
}


def tiny_run_config(updates=1, **sections):
    """RunConfig of TINY_RUN for `updates` updates, with sections updated."""
    from league.config import RunConfig

    data = {name: {**TINY_RUN.get(name, {}), **sections.get(name, {})} for name in {*TINY_RUN, *sections}}
    data["train"]["total_steps"] = updates * 320
    return RunConfig.from_dict(data)


def tiny_run_overrides():
    """TINY_RUN as `--set section.key=value` arguments."""
    args = []
    for section, values in TINY_RUN.items():
        for key, value in values.items():
            text = f'"{value}"' if isinstance(value, str) else value
            args += ["--set", f"{section}.{key}={text}"]
    return args
