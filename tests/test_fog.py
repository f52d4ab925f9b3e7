"""Fog of war: nothing a team cannot see reaches its observation.

Map 6000 x 6000. After reset, Radiant's living units are its five heroes
around its fountain (120, 120) with vision 1800 and its 19 buildings (towers
see 1400, barracks 900, ancient 900, fountain 1200), the furthest out being
top_t1 (420, 3600), mid_t1 (2400, 2400) and bot_t1 (3600, 420). Points A and
B below are more than 2500 from every one of them; the tests check that
against the state rather than trusting this comment.
"""

import numpy as np
import pytest
from helpers import DIRE, RADIANT, SMALL, bslot, make_env

from engine import fields as F
from engine import observe, tables
from engine.constants import ACT_ATTACK, HEROES_PER_TEAM
from engine.spec import (
    G_ENEMY_BUILDINGS,
    G_OWN_BUILDINGS,
    GLOBAL_F,
    U_ENEMY,
    U_HERO_ID,
    U_PRESENT,
    UNIT_F,
    obs_layout,
)

POINT_A = (4800.0, 3000.0)
POINT_B = (3000.0, 4800.0)
SPY = 9  # the Dire hero moved around




def seen_by(s, g, team, x, y):
    """Slots of the living units of `team` whose vision covers (x, y)."""
    u = np.flatnonzero((s.ui[g, :, F.ALIVE] != 0) & (s.ui[g, :, F.TEAM] == team))
    d2 = (s.uf[g, u, F.X] - x) ** 2 + (s.uf[g, u, F.Y] - y) ** 2
    return u[d2 <= s.uf[g, u, F.VISION] ** 2]


def team_view(s, g, team):
    """Everything that team `team`'s policy gets for game g (the env's Step
    arrays are these buffers)."""
    hs = slice(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM)
    return [s.obs[g, hs].copy(), s.mask_type[g, hs].copy(), s.mask_target[g, hs].copy(),
            s.mask_offset[g, hs].copy(), s.mask_item[g, hs].copy(), s.team_units[g, team].copy(),
            s.events[g, hs].copy()]


def test_hidden_enemy_position_does_not_leak():
    noop = np.zeros((1, 10, 5), np.int32)
    views = []
    dire_obs = []
    for point in (POINT_A, POINT_B):
        env = make_env()
        s = env.state
        s.uf[0, SPY, F.X], s.uf[0, SPY, F.Y] = point
        views.append([])
        for _ in range(5):
            step = env.step(noop)
            # Precondition: no Radiant unit sees the spy.
            assert len(seen_by(s, 0, RADIANT, *point)) == 0
            assert not s.visible[0, RADIANT, SPY]
            views[-1].append(team_view(s, 0, RADIANT))
        dire_obs.append(step.obs[0, SPY].copy())
    # The setup did move him: his own observation differs.
    assert not np.array_equal(dire_obs[0], dire_obs[1])
    for step_a, step_b in zip(*views):
        for a, b in zip(step_a, step_b):
            np.testing.assert_array_equal(a, b)


def test_hidden_enemy_via_observe_game():
    env = make_env()
    s, w = env.state, env.world
    s.uf[0, SPY, F.X], s.uf[0, SPY, F.Y] = POINT_A
    observe.observe_game(s, w, 0)
    assert len(seen_by(s, 0, RADIANT, *POINT_A)) == 0
    first = team_view(s, 0, RADIANT)
    s.uf[0, SPY, F.X], s.uf[0, SPY, F.Y] = POINT_B
    # Also change what only a seer could know about him.
    s.uf[0, SPY, F.HP] = 1.0
    s.hi[0, SPY, F.LEVEL] = 7
    s.hf[0, SPY, F.GOLD] = 9999.0
    observe.observe_game(s, w, 0)
    assert len(seen_by(s, 0, RADIANT, *POINT_B)) == 0
    second = team_view(s, 0, RADIANT)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert SPY not in s.team_units[0, RADIANT]


def test_visible_enemy_appears_in_team_units():
    env = make_env()
    s, w = env.state, env.world
    s.uf[0, SPY, F.X], s.uf[0, SPY, F.Y] = 800.0, 700.0  # ~700 from the nearest Radiant hero
    observe.observe_game(s, w, 0)
    assert s.visible[0, RADIANT, SPY]
    rows = np.flatnonzero(s.team_units[0, RADIANT] == SPY)
    assert len(rows) == 1
    k = rows[0]
    for h in range(HEROES_PER_TEAM):
        row = s.obs[0, h, k * UNIT_F:(k + 1) * UNIT_F]
        assert row[U_PRESENT] == 1.0
        assert row[U_ENEMY] == 1.0
        assert row[U_HERO_ID] == s.hi[0, SPY, F.HERO_ID] + 1.0
        assert s.mask_target[0, h, ACT_ATTACK, k]
    # Hidden again: gone from the list and from the masks.
    s.uf[0, SPY, F.X], s.uf[0, SPY, F.Y] = POINT_A
    observe.observe_game(s, w, 0)
    assert SPY not in s.team_units[0, RADIANT]
    assert not s.mask_type[0, :HEROES_PER_TEAM, ACT_ATTACK].any()


def test_enemy_buildings_show_last_seen_hp():
    env = make_env()
    s, w = env.state, env.world
    lay = obs_layout(SMALL["obs_units"], env.config.minimap_size)
    glob = slice(lay.global_, lay.global_ + GLOBAL_F)
    b = tables.BUILDING_INDEX["top_t1"]
    tower = bslot(DIRE, "top_t1")  # Dire top_t1 at (2400, 5580)
    tx, ty = s.uf[0, tower, F.X], s.uf[0, tower, F.Y]
    assert len(seen_by(s, 0, RADIANT, tx, ty)) == 0

    observe.observe_game(s, w, 0)
    before = s.obs[0, :HEROES_PER_TEAM, glob].copy()
    assert np.all(before[:, G_ENEMY_BUILDINGS + b] == 1.0)

    s.uf[0, tower, F.HP] = 900.0  # half of 1800, unseen
    observe.observe_game(s, w, 0)
    np.testing.assert_array_equal(s.obs[0, :HEROES_PER_TEAM, glob], before)
    # The owner knows.
    assert s.obs[0, 5, lay.global_ + G_OWN_BUILDINGS + b] == pytest.approx(0.5)

    # A Radiant hero walks up: the HP is seen.
    s.uf[0, 0, F.X], s.uf[0, 0, F.Y] = tx, ty - 1000.0
    observe.observe_game(s, w, 0)
    assert s.visible[0, RADIANT, tower]
    assert s.obs[0, 1, lay.global_ + G_ENEMY_BUILDINGS + b] == pytest.approx(0.5)

    # He leaves; the tower heals unseen: Radiant still remembers 0.5.
    s.uf[0, 0, F.X], s.uf[0, 0, F.Y] = 300.0, 300.0
    s.uf[0, tower, F.HP] = 1800.0
    observe.observe_game(s, w, 0)
    assert not s.visible[0, RADIANT, tower]
    assert s.obs[0, 1, lay.global_ + G_ENEMY_BUILDINGS + b] == pytest.approx(0.5)

    # A fall is public knowledge even unseen.
    s.ui[0, tower, F.ALIVE] = 0
    observe.observe_game(s, w, 0)
    assert s.obs[0, 1, lay.global_ + G_ENEMY_BUILDINGS + b] == 0.0


def test_rows_are_the_nearest_visible_units_and_vision_is_exact():
    """Mid-game, with more visible units than rows: `visible` is exactly
    "alive, and own or within the vision of a living unit of the team" (no
    hero is invisible here), and the K rows are the visible units nearest to
    the team's living heroes, nearest first, equal distances by slot."""
    from agents.scripted import ScriptedAgent

    env = make_env(num_games=2, seed=1)
    bots = ScriptedAgent(), ScriptedAgent()
    step = None
    for _ in range(400):
        step = env.step(np.concatenate([bots[t].act(env, step, t) for t in (0, 1)], axis=1))
    s, w = env.state, env.world
    K = int(w.pi[F.P_OBS_UNITS])
    assert (s.uf[:, :10, F.INVIS_END] <= s.gi[:, F.TICK, None]).all()
    for g in range(2):
        alive = s.ui[g, :, F.ALIVE] != 0
        for team in (RADIANT, DIRE):
            want = np.array([alive[u] and (s.ui[g, u, F.TEAM] == team or len(seen_by(s, g, team, *s.uf[g, u, [F.X, F.Y]])) > 0)
                             for u in range(len(alive))])
            assert (s.visible[g, team] == want).all()
            heroes = [h for h in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM) if alive[h]]
            xy = s.uf[g, :, [F.X, F.Y]].T.astype(np.float64)
            d2 = ((xy[:, None, :] - xy[None, heroes, :]) ** 2).sum(-1).min(1)
            visible = np.flatnonzero(want)
            assert len(visible) > K
            rows = s.team_units[g, team]
            assert (rows >= 0).all() and len(set(rows)) == K
            assert set(rows) <= set(visible)
            assert np.all(np.diff(d2[rows]) >= -1e-3 * d2[rows][1:])
            ties = np.isclose(d2[rows][1:], d2[rows][:-1], rtol=0, atol=1e-6)
            assert np.all(rows[1:][ties] > rows[:-1][ties])
            left_out = np.setdiff1d(visible, rows)
            assert d2[left_out].min() >= d2[rows].max() * (1 - 1e-6)
