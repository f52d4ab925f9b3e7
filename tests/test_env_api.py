"""Conformance of the BatchEnv API: shapes, dtypes, masks, the observation
spec, action validation and config validation."""

import numpy as np
import pytest

import engine
from agents.random_agent import random_legal_actions
from engine import BatchEnv, ConfigError, GameConfig, observe, tables
from engine import fields as F
from engine.constants import (
    ACT_ATTACK,
    ACT_BUY,
    ACT_MOVE,
    ACT_NOOP,
    ACTION_HEADS,
    HEAD_NAMES,
    NUM_ACTION_TYPES,
    OFFSET_BINS,
)
from engine.spec import EVENT_INDEX, EVENT_NAMES

LINEUP = [h.name for h in tables.HEROES[:10]]
SMALL = GameConfig(map_size=6000.0, creep_slots=48, obs_units=32, lineup=LINEUP)
CONFIGS = {"standard": GameConfig(), "small": SMALL}
INVALID = EVENT_INDEX["invalid_actions"]



def check_step(env, step):
    G, K, D = env.num_games, env.head_sizes[1], env.obs_size
    assert step.obs.shape == (G, 10, D)
    assert step.obs.dtype == np.float32
    assert np.isfinite(step.obs).all()
    m = step.masks
    expected = {
        "type": (G, 10, NUM_ACTION_TYPES),
        "target": (G, 10, NUM_ACTION_TYPES, K),
        "offset_x": (G, 10, OFFSET_BINS),
        "offset_y": (G, 10, OFFSET_BINS),
        "item": (G, 10, len(tables.ITEMS)),
    }
    for name, shape in expected.items():
        arr = getattr(m, name)
        assert arr.dtype == np.bool_, name
        assert arr.shape == shape, name
    assert m.type[..., ACT_NOOP].all()
    # An allowed type that reads the target head has an allowed target; a
    # buy has an item; a type that is not allowed has no target either.
    needs = np.array(ACTION_HEADS, bool)[:, 1]
    has_target = m.target.any(-1)
    assert np.all(has_target[..., needs] == m.type[..., needs])
    assert np.all(m.item.any(-1) == m.type[..., ACT_BUY])
    assert step.events.shape == (G, 10, len(EVENT_NAMES))
    assert step.events.dtype == np.float32
    assert np.isfinite(step.events).all()
    assert step.done.shape == (G,) and step.done.dtype == np.bool_
    assert step.winner.shape == (G,)
    assert step.length.shape == (G,)
    assert set(np.unique(step.winner)) <= {-1, 0, 1, 2}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_shapes_dtypes_and_masks(name):
    env = BatchEnv(CONFIGS[name], num_games=2, seed=3)
    step = env.reset()
    check_step(env, step)
    rng = np.random.default_rng(0)
    for _ in range(25):
        step = env.step(random_legal_actions(rng, step.masks))
        check_step(env, step)
        # Legal actions are never counted invalid.
        assert np.all(step.events[..., INVALID] == 0.0)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_obs_spec_covers_obs_without_gaps(name):
    env = BatchEnv(CONFIGS[name], num_games=1)
    spec = env.obs_spec()
    names = [n for n, _, _ in spec]
    assert len(set(names)) == len(names)
    end = 0
    for n, off, size in sorted(spec, key=lambda e: e[1]):
        assert size >= 1, n
        assert off == end, f"gap or overlap before {n} at {off} (expected {end})"
        end = off + size
    assert end == env.obs_size
    assert len(env.event_names) == len(EVENT_NAMES) == env.state.events.shape[-1]


def test_noop_allowed_for_dead_heroes():
    env = BatchEnv(SMALL, num_games=1)
    env.reset()
    s = env.state
    s.ui[0, 3, F.ALIVE] = 0
    s.hi[0, 3, F.RESPAWN] = 100
    observe.observe_game(s, env.world, 0)
    assert s.mask_type[0, 3, ACT_NOOP]
    assert not s.mask_type[0, 3, ACT_MOVE]
    step = env.step(np.zeros((1, 10, 5), np.int32))
    assert step.masks.type[..., ACT_NOOP].all()
    assert step.events[0, 3, INVALID] == 0.0


# --------------------------------------------------------------------------
# Bad actions


def test_bad_actions_raise_value_error():
    env = BatchEnv(SMALL, num_games=2)
    env.reset()
    K = SMALL.obs_units
    good = np.zeros((2, 10, 5), np.int32)
    env.step(good)  # fine

    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros((2, 10, 4), np.int32))
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros((1, 10, 5), np.int32))
    with pytest.raises(ValueError, match="float"):
        env.step(np.zeros((2, 10, 5), np.float32))

    bad = good.copy()
    bad[1, 3, 1] = K  # target row out of range
    with pytest.raises(ValueError) as err:
        env.step(bad)
    msg = str(err.value)
    assert "target_unit" in msg and "game 1" in msg and "hero 3" in msg

    for head, size in enumerate(env.head_sizes):
        for value in (-1, size):
            bad = good.copy()
            bad[0, 7, head] = value
            with pytest.raises(ValueError) as err:
                env.step(bad)
            msg = str(err.value)
            assert HEAD_NAMES[head] in msg and "game 0" in msg and "hero 7" in msg

    # Integer dtypes other than int32 are accepted.
    env.step(good.astype(np.int64))


def test_masked_attack_does_nothing_and_counts_invalid():
    env = BatchEnv(SMALL, num_games=1)
    step = env.reset()
    s = env.state
    # At the fountain, no enemy is in sight: attack is masked.
    assert not step.masks.type[0, 0, ACT_ATTACK]
    acts = np.zeros((1, 10, 5), np.int32)
    acts[0, 0] = (ACT_ATTACK, 0, 0, 0, 0)
    step = env.step(acts)
    assert step.events[0, 0, INVALID] == 1.0
    assert np.all(step.events[0, 1:, INVALID] == 0.0)
    assert s.ui[0, 0, F.ORDER] == 0

    # Attack allowed (an enemy hero in sight) but the chosen row is an ally.
    s.uf[0, 5, F.X], s.uf[0, 5, F.Y] = 700.0, 700.0
    observe.observe_game(s, env.world, 0)
    assert step.masks.type[0, 0, ACT_ATTACK]
    ally_row = int(np.flatnonzero(s.team_units[0, 0] == 1)[0])
    assert not step.masks.target[0, 0, ACT_ATTACK, ally_row]
    acts[0, 0] = (ACT_ATTACK, ally_row, 0, 0, 0)
    step = env.step(acts)
    assert step.events[0, 0, INVALID] == 1.0
    assert s.ui[0, 0, F.ORDER] == 0
    assert s.ui[0, 0, F.TARGET] == -1


def test_buy_away_from_shop_does_nothing_and_counts_invalid():
    env = BatchEnv(SMALL, num_games=1)
    step = env.reset()
    s = env.state
    salve = tables.ITEM_INDEX["healing_salve"]
    assert step.masks.type[0, 2, ACT_BUY] and step.masks.item[0, 2, salve]
    s.uf[0, 2, F.X], s.uf[0, 2, F.Y] = 2000.0, 2000.0  # ~2600 from the fountain
    observe.observe_game(s, env.world, 0)
    assert not step.masks.type[0, 2, ACT_BUY]
    assert not step.masks.item[0, 2].any()
    gold0 = s.hf[0, 2, F.GOLD]
    acts = np.zeros((1, 10, 5), np.int32)
    acts[0, 2] = (ACT_BUY, 0, 0, 0, salve)
    step = env.step(acts)
    assert step.events[0, 2, INVALID] == 1.0
    assert step.events[0, 2, EVENT_INDEX["items_bought"]] == 0.0
    assert np.all(s.inv[0, 2, :, F.INV_ITEM] == -1)
    assert s.hf[0, 2, F.GOLD] == pytest.approx(gold0 + 4 * 1.5 / 30)  # passive gold only

    # Back at the shop the same action buys.
    s.uf[0, 2, F.X], s.uf[0, 2, F.Y] = 300.0, 300.0
    observe.observe_game(s, env.world, 0)
    step = env.step(acts)
    assert step.events[0, 2, INVALID] == 0.0
    assert step.events[0, 2, EVENT_INDEX["items_bought"]] == 1.0
    assert s.inv[0, 2, 0, F.INV_ITEM] == salve


# --------------------------------------------------------------------------
# Config validation


def test_config_errors_name_the_problem():
    assert issubclass(ConfigError, ValueError)
    assert engine.ConfigError is ConfigError

    with pytest.raises(ConfigError, match="bogus_key"):
        GameConfig.from_dict({"bogus_key": 1})
    with pytest.raises(ConfigError, match="bogus_key"):
        GameConfig().replace(bogus_key=1)
    with pytest.raises(ConfigError, match="map_size"):
        GameConfig(map_size=10.0)
    with pytest.raises(ConfigError, match="frameskip"):
        GameConfig.from_dict({"frameskip": 0})
    with pytest.raises(ConfigError, match="frameskip"):
        GameConfig.from_dict({"frameskip": 2.5})
    with pytest.raises(ConfigError, match="deny_xp_factor"):
        GameConfig.from_dict({"deny_xp_factor": 1.5})
    with pytest.raises(ConfigError, match="xp_range"):
        GameConfig.from_dict({"xp_range": float("nan")})

    unknown = LINEUP[:9] + ["no_such_hero"]
    with pytest.raises(ConfigError, match="no_such_hero"):
        GameConfig(lineup=unknown)
    with pytest.raises(ConfigError, match="no_such_hero"):
        GameConfig.from_dict({"lineup": unknown})
    dup = LINEUP[:4] + [LINEUP[0]] + LINEUP[5:]  # axeman twice on Radiant
    with pytest.raises(ConfigError, match="axeman"):
        GameConfig(lineup=dup)
    with pytest.raises(ConfigError, match="lineup"):
        GameConfig(lineup=LINEUP[:9])
    # The same hero on both teams is fine (a mirror match).
    GameConfig(lineup=LINEUP[:5] + LINEUP[:5])
    # A round trip through a dict keeps the config.
    assert GameConfig.from_dict(SMALL.to_dict()).to_dict() == SMALL.to_dict()


def test_a_game_snapshot_restored_in_another_env_plays_on_identically():
    from agents.scripted import ScriptedAgent

    a, b = BatchEnv(SMALL, num_games=2, seed=1), BatchEnv(SMALL, num_games=3, seed=9)
    step_a, step_b, bot = a.reset(), b.reset(), ScriptedAgent()
    for _ in range(150):
        step_a = a.step(np.concatenate([bot.act(a, step_a, 0), bot.act(a, step_a, 1)], axis=1))
    step_b = b.restore(2, a.snapshot(1))
    np.testing.assert_array_equal(step_b.obs[2], step_a.obs[1])  # observed afresh: the same as a's
    np.testing.assert_array_equal(step_b.masks.target[2], step_a.masks.target[1])
    assert step_b.tick[2] == step_a.tick[1] == 600 and not step_b.done[2]
    rng = np.random.default_rng(0)
    for _ in range(150):
        actions = random_legal_actions(rng, step_a.masks)
        step_a = a.step(actions)
        step_b = b.step(np.concatenate([actions[:1], actions[:1], actions[1:]]))
        np.testing.assert_array_equal(step_b.obs[2], step_a.obs[1])
    for name, x in a.snapshot(1).items():
        np.testing.assert_array_equal(b.snapshot(2)[name], x, err_msg=name)
    # A snapshot that does not fit changes nothing and says why.
    before = b.snapshot(0)
    with pytest.raises(ValueError, match="lacks uf"):
        b.restore(0, {k: v for k, v in a.snapshot(0).items() if k != "uf"})
    other = BatchEnv(GameConfig(), num_games=1)
    with pytest.raises(ValueError, match="does not fit this env: its uf has shape"):
        b.restore(0, other.snapshot(0))
    for name, x in before.items():
        np.testing.assert_array_equal(b.snapshot(0)[name], x, err_msg=name)


def test_a_finished_games_outcome_is_in_the_step():
    env = BatchEnv(SMALL.replace(time_cap_minutes=0.1), num_games=2, seed=0)
    step = env.reset()
    idle = np.zeros((2, 10, 5), np.int32)
    for t in range(45):  # 0.1 min = 180 ticks = 45 decisions
        assert not step.done.any() and step.tick[0] == 4 * t
        step = env.step(idle)
    assert step.done.all() and (step.winner == 2).all() and (step.length == 180).all()
    assert step.score.shape == (2, 2) and (step.tick == 0).all()  # the new games' time
