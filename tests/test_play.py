"""Playing: posted mouse and key events become the engine orders a person
meant, in the real-time loop under SDL's dummy driver."""

import os

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
from helpers import QUICK  # noqa: E402

from agents.scripted import ScriptedAgent  # noqa: E402
from engine import fields as F  # noqa: E402
from engine.constants import ORDER_ATTACK, ORDER_MOVE  # noqa: E402
from engine.tables import ITEM_INDEX  # noqa: E402
from league.store import LeagueStore  # noqa: E402
from moba.play import Session, _shop_rows, lineup_with, record_in_league, run  # noqa: E402
from moba.render import Renderer, View  # noqa: E402
from replays import load_replay  # noqa: E402

HERO = 0


def _session(tmp_path, config=QUICK):
    return Session(config, "quick", 0, ScriptedAgent(), ScriptedAgent(), 0, "tester", tmp_path / "replays")


def _pixel(session, unit):
    """Where the player's screen shows `unit` (the camera follows the hero, zoomed)."""
    renderer = Renderer(session.env)
    view = View(follow=HERO, zoom=2.5, fog="radiant")
    origin, scale = renderer.camera(view, 0)
    s = session.env.state
    return renderer.to_px(s.uf[0, unit, F.X], s.uf[0, unit, F.Y], origin, scale)


def _post(*events):
    pygame.display.init()
    pygame.event.clear()
    for e in events:
        pygame.event.post(e)


def _play_until(session, condition, limit=600):
    for _ in range(limit):
        if condition():
            return
        run(session, frames=4, window=False)  # one decision; no window, so no events read
    raise AssertionError("the situation never arose")


def test_a_right_click_on_an_enemy_attacks_it_and_on_the_ground_walks_there(tmp_path):
    session = _session(tmp_path)
    s = session.env.state
    session.controller.right_click(900.0, 900.0)  # walk toward the middle until an enemy is in reach
    hero_row = lambda: list(s.team_units[0, 0])  # noqa: E731

    def enemy_attackable():
        for k, u in enumerate(hero_row()):
            if u >= 0 and s.ui[0, u, F.TEAM] == 1 and s.mask_target[0, HERO, 3, k]:
                return True
        return False

    _play_until(session, enemy_attackable)
    rows = hero_row()
    enemy = next(u for k, u in enumerate(rows) if u >= 0 and s.ui[0, u, F.TEAM] == 1 and s.mask_target[0, HERO, 3, k])
    x, y = _pixel(session, enemy)
    _post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=3, pos=(x, y)))
    run(session, frames=4)
    assert s.ui[0, HERO, F.ORDER] == ORDER_ATTACK and s.ui[0, HERO, F.ORDER_TARGET] == enemy

    # A right-click on ground with no enemy near: a move order to that spot.
    hx, hy = s.uf[0, HERO, F.X], s.uf[0, HERO, F.Y]
    renderer, view = Renderer(session.env), View(follow=HERO, zoom=2.5)
    origin, scale = renderer.camera(view, 0)
    for dx, dy in ((-200, -200), (-200, 0), (0, -200), (200, 0), (0, 200)):
        px = renderer.to_px(hx + dx, hy + dy, origin, scale)
        target = renderer.to_world(px, 0, view)
        near = session.controller.unit_near(*target)
        if near < 0 or s.ui[0, near, F.TEAM] == 0:
            break
    _post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=3, pos=px))
    run(session, frames=4)
    assert s.ui[0, HERO, F.ORDER] == ORDER_MOVE
    ox, oy = s.uf[0, HERO, F.ORDER_X], s.uf[0, HERO, F.ORDER_Y]
    assert np.hypot(ox - target[0], oy - target[1]) <= session.env.config.offset_step


def test_shop_click_buys_and_an_item_key_then_a_click_uses_it(tmp_path):
    session = _session(tmp_path)
    s = session.env.state
    run(session, frames=4, window=False)  # the first decision: the hero stands in its fountain, can buy
    salve = ITEM_INDEX["healing_salve"]
    x, y, w, h = _shop_rows(Renderer(session.env))[salve][1]
    _post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_b, unicode="b"),
          pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(x + 5, y + 5)))
    run(session, frames=4)
    assert list(s.inv[0, HERO, :, F.INV_ITEM]).count(salve) == 1
    slot = list(s.inv[0, HERO, :, F.INV_ITEM]).index(salve)
    s.uf[0, HERO, F.HP] = 100.0  # hurt, so the salve shows
    # R: the ultimate is not learned before level 6, so the key says so and nothing is armed.
    _post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_r, unicode="r"))
    run(session, frames=1)
    assert session.controller.armed is None and "not available" in session.controller.message
    hx, hy = _pixel(session, HERO)
    _post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_1 + slot, unicode=str(slot + 1)),
          pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(hx, hy)))
    run(session, frames=4)
    assert s.inv[0, HERO, slot, F.INV_ITEM] == -1  # drunk
    assert s.uf[0, HERO, F.HP] > 400.0


def test_an_ability_without_a_target_is_cast_at_the_key(tmp_path):
    from dataclasses import replace

    from engine.tables import HEROES

    lineup = tuple(h.name for h in HEROES[:5]) * 2  # hero 0: axeman, Q = battle_cry (no target)
    session = _session(tmp_path, replace(QUICK, lineup=lineup))
    s = session.env.state
    run(session, frames=4, window=False)
    _post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, unicode="q"))
    run(session, frames=20)  # the next decision, then the 0.3 s cast time
    assert session.controller.armed is None
    assert s.abil[0, HERO, 0, F.ABIL_READY] > s.gi[0, F.TICK]  # cast: on cooldown
    assert s.uf[0, HERO, F.MANA] < s.uf[0, HERO, F.MAX_MANA]


def test_q_then_a_click_on_an_ally_casts_at_that_ally(tmp_path):
    from dataclasses import replace

    from engine.constants import ORDER_CAST
    from engine.tables import HERO_INDEX

    # Hero 0: priestess, whose Q (purify, learned first) heals an allied hero in 600.
    lineup = ("priestess", "axeman", "sniper", "frost_witch", "stone_giant") * 2
    session = _session(tmp_path, replace(QUICK, lineup=lineup))
    s = session.env.state
    assert s.hi[0, HERO, F.HERO_ID] == HERO_INDEX["priestess"]
    run(session, frames=4, window=False)
    ally = 2
    assert np.hypot(*(s.uf[0, ally, [F.X, F.Y]] - s.uf[0, HERO, [F.X, F.Y]])) < 600.0
    _post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, unicode="q"),
          pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=_pixel(session, ally)))
    run(session, frames=4)  # the click, then the next decision starts the 0.3 s cast
    assert s.ui[0, HERO, F.ORDER] == ORDER_CAST
    assert s.ui[0, HERO, F.ORDER_TARGET] == ally and s.hi[0, HERO, F.CAST_SRC] == 0
    mana = s.uf[0, HERO, F.MANA]
    run(session, frames=12)
    assert s.abil[0, HERO, 0, F.ABIL_READY] > s.gi[0, F.TICK]  # cast: on cooldown
    assert s.uf[0, HERO, F.MANA] <= mana - 70.0  # purify costs 80 at level 1; the fountain gives some back


def test_a_finished_game_is_a_replay_and_an_unrated_league_game(tmp_path):
    config = lineup_with(QUICK.replace(lineup="random", time_cap_minutes=0.5), "sniper", HERO, seed=3)
    assert config.lineup[HERO] == "sniper" and len(set(config.lineup[:5])) == 5
    session = _session(tmp_path, config)
    timings = run(session, window=False)  # the person idles to the 30-second cap
    assert session.result is not None and timings.summary()["decision_p99_ms"] > 0
    replay = load_replay(session.result["replay"])
    assert replay.outcome["winner"] == session.result["winner"]
    assert replay.header["agents"][0].startswith("tester+")
    record_in_league(tmp_path / "l.sqlite", session, "tester", "quick", rated=False)
    with LeagueStore(tmp_path / "l.sqlite") as store:
        me = store.agent("tester")
        assert me.kind == "human" and me.games == 1 and me.mu == 25.0  # recorded, not rated
        assert store.agent("scripted").mu == 25.0


def test_the_window_resizes_and_the_shop_keeps_off_the_scoreboard(tmp_path):
    from moba.render import PANEL, Layout

    session = _session(tmp_path)
    _post(pygame.event.Event(pygame.VIDEORESIZE, size=(1400, 900), w=1400, h=900))
    run(session, frames=1)
    screen = pygame.display.get_surface()
    assert screen.get_size() == (1400, 900)
    layout = Layout.fit((1400, 900))
    right = (layout.map.right - 3, layout.map.centery)  # beyond where a square 720 map used to end
    assert right[0] > 1020 and tuple(screen.get_at(right))[:3] != PANEL
    renderer = Renderer(session.env)
    for size in ((1020, 810), (1400, 900), (800, 1000), (640, 480)):
        renderer.layout = Layout.fit(size)
        for _, row in _shop_rows(renderer):
            assert renderer.layout.shop.contains(row) and not renderer.layout.scoreboard.colliderect(row)
