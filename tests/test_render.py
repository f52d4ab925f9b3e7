"""Drawing replays headless (SDL's dummy driver): colours where units stand,
GIF frame counts, seeking."""

import os

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
from helpers import QUICK  # noqa: E402
from PIL import Image  # noqa: E402

from agents.random_agent import RandomAgent  # noqa: E402
from agents.scripted import ScriptedAgent  # noqa: E402
from engine import fields as F  # noqa: E402
from engine.world import BUILDING_BASE  # noqa: E402
from league.play import play_games  # noqa: E402
from moba.cli import main  # noqa: E402
from moba.render import HERO_COLOURS, TEAM_COLOURS, Renderer, View  # noqa: E402
from replays import Recorder, load_replay  # noqa: E402
from replays.format import state_checksum  # noqa: E402
from replays.playback import Playback  # noqa: E402


@pytest.fixture(scope="module")
def replay_path(tmp_path_factory):
    recorder = Recorder(tmp_path_factory.mktemp("r"), "quick", ("scripted", "random"), keyframe_seconds=5.0)
    play_games(QUICK, ScriptedAgent(), RandomAgent(1), num_games=1, seed=4, batch=1, recorder=recorder)
    return recorder.written[0]


def test_a_frame_shows_heroes_and_towers_in_their_colours(replay_path):
    pygame.display.init()
    playback = Playback(load_replay(replay_path))
    renderer = Renderer(playback.env, map_px=500)
    surface = pygame.Surface(renderer.size)
    view = View()
    renderer.draw(surface, 0, view)
    s = playback.env.state
    origin, scale = renderer.camera(view, 0)
    tower = BUILDING_BASE  # Radiant's first building: a tower
    assert s.ui[0, tower, F.KIND] == 4
    tx, ty = renderer.to_px(s.uf[0, tower, F.X], s.uf[0, tower, F.Y], origin, scale)
    assert tuple(surface.get_at((tx, ty)))[:3] == TEAM_COLOURS[0]
    for step in range(40, playback.steps, 10):  # the first moment a Radiant hero is out of Dire's sight
        playback.seek(step)
        hidden = [h for h in range(5) if not s.visible[0, 1, h]]
        if hidden:
            break
    assert hidden
    hero = hidden[0]
    colour = HERO_COLOURS[s.hi[0, hero, F.HERO_ID]]
    hx, hy = renderer.to_px(s.uf[0, hero, F.X], s.uf[0, hero, F.Y], origin, scale)

    def shown(fog):  # pixels of the hero's colour around where it stands
        renderer.draw(surface, 0, View(fog=fog))
        return sum(tuple(surface.get_at((hx + dx, hy + dy)))[:3] == colour
                   for dx in range(-4, 5) for dy in range(-4, 5))

    assert shown("all") > 0 and shown("radiant") > 0
    assert shown("dire") == 0  # Dire cannot see it


def test_seeking_reaches_the_same_state_as_playing_on(replay_path):
    replay = load_replay(replay_path)
    straight = Playback(replay)
    for _ in range(100):
        straight.advance()
    seeking = Playback(replay)
    seeking.seek(150)
    seeking.seek(100)  # back, through the keyframe before it
    assert seeking.step == straight.step == 100
    assert state_checksum(seeking.env.snapshot(0)) == state_checksum(straight.env.snapshot(0))


def test_render_writes_the_expected_number_of_gif_frames(replay_path, tmp_path):
    out = tmp_path / "game.gif"
    # 2x real time at 15 fps is one decision (4 ticks) per frame: 4 game seconds are
    # 30 decisions, so 31 frames with the first.
    assert main(["render", str(replay_path), "-o", str(out), "--speed", "2", "--fps", "15",
                 "--seconds", "4", "--size", "300"]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 31 and gif.size == (300 + 300, 300 + 90)
    assert main(["render", str(replay_path), "-o", str(tmp_path / "x.avi")]) == 2
    bad = tmp_path / "bad.moba-replay"
    bad.write_bytes(b"garbage")
    assert main(["render", str(bad), "-o", str(tmp_path / "y.gif")]) == 2


def test_the_viewer_answers_keys_and_clicks(replay_path, monkeypatch):
    import moba.watch

    pygame.display.init()
    pygame.display.set_mode((10, 10))
    seen = []
    original = Playback.seek

    def seek(self, step):
        seen.append(step)
        original(self, step)

    monkeypatch.setattr(Playback, "seek", seek)
    key = lambda ch, k=0: pygame.event.Event(pygame.KEYDOWN, key=k, unicode=ch)  # noqa: E731
    for event in (key("+"), key("v"), key("3"), pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1),
                  pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(10 + 350, 720 + 15)),
                  key(" ", pygame.K_SPACE), pygame.event.Event(pygame.QUIT)):
        pygame.event.post(event)
    moba.watch.watch(replay_path)
    steps = load_replay(replay_path).steps
    assert seen[0] == 0 and abs(seen[1] - steps // 2) <= 2  # the click on the middle of the timeline


def test_statuses_and_invisibility_are_drawn(replay_path):
    from engine import rules
    from moba.render import STATUS_RINGS

    pygame.display.init()
    playback = Playback(load_replay(replay_path))
    playback.seek(60)
    s = playback.env.state
    renderer = Renderer(playback.env, map_px=500)
    surface = pygame.Surface(renderer.size)
    hero = next(h for h in range(5) if s.ui[0, h, F.ALIVE])
    origin, scale = renderer.camera(View(), 0)
    hx, hy = renderer.to_px(s.uf[0, hero, F.X], s.uf[0, hero, F.Y], origin, scale)
    stun_colour = dict((field, c) for field, c in STATUS_RINGS)[F.STUN_END]

    def count(colour, fog="all"):
        renderer.draw(surface, 0, View(fog=fog))
        return sum(tuple(surface.get_at((hx + dx, hy + dy)))[:3] == colour
                   for dx in range(-20, 21) for dy in range(-20, 21))

    assert count(stun_colour) == 0
    rules.stun_unit(s, 0, hero, s.gi[0, F.TICK] + 60.0)
    assert count(stun_colour) > 0
    fill = HERO_COLOURS[s.hi[0, hero, F.HERO_ID]]
    solid = count(fill)
    rules.set_status_end(s, 0, hero, F.INVIS_END, s.gi[0, F.TICK] + 60.0)
    s.uf[0, hero, F.INVIS_START] = 0
    assert 0 < count(fill) < solid  # drawn hollow for its own side


# --- hand-built situations on the 6000 map (tests/helpers.py): after reset
# Radiant's units stand around its base (bottom-left), none within 2500 of
# (4800, 3000) (tests/test_fog.py); each test checks what it relies on.

def _spread_out(radiant_at=(1500.0, 4500.0), dire_at=(4800.0, 3000.0)):
    """Radiant's hero 0 and Dire's hero 9 far apart, vision recomputed."""
    from helpers import make_env

    from engine import observe

    env = make_env()
    s = env.state
    s.uf[0, 0, [F.X, F.Y]] = radiant_at
    s.uf[0, 9, [F.X, F.Y]] = dire_at
    observe.observe_game(s, env.world, 0)
    return env


def _sees(s, team, x, y):
    u = np.flatnonzero((s.ui[0, :, F.ALIVE] == 1) & (s.ui[0, :, F.TEAM] == team))
    return bool(((s.uf[0, u, F.X] - x) ** 2 + (s.uf[0, u, F.Y] - y) ** 2 <= s.uf[0, u, F.VISION] ** 2).any())


def test_fog_darkens_what_the_team_cannot_see_and_nothing_it_sees():
    env = _spread_out()
    s = env.state
    unseen, seen = (4500.0, 2000.0), (1500.0, 3900.0)  # open ground, no unit within 300
    assert not _sees(s, 0, *unseen) and _sees(s, 0, *seen) and not s.visible[0, 0, 9]
    for x, y in (unseen, seen):
        assert np.hypot(s.uf[0, :, F.X] - x, s.uf[0, :, F.Y] - y)[s.ui[0, :, F.ALIVE] == 1].min() > 300
    pygame.display.init()
    renderer = Renderer(env, map_px=300)
    surface = pygame.Surface(renderer.size)

    def brightness(fog, point):
        renderer.draw(surface, 0, View(fog=fog))
        origin, scale = renderer.camera(View(fog=fog), 0)
        return sum(tuple(surface.get_at(renderer.to_px(*point, origin, scale)))[:3])

    assert brightness("radiant", unseen) < 0.7 * brightness("all", unseen)
    assert brightness("radiant", seen) == brightness("all", seen)
    assert brightness("dire", unseen) == brightness("all", unseen)  # in Dire's sight


def test_a_team_scoreboard_shows_enemies_as_last_seen_and_never_their_gold():
    from engine import observe

    env = _spread_out()
    s = env.state
    s.hf[0, 9, F.GOLD] = 4321.0
    pygame.display.init()
    renderer = Renderer(env, map_px=300)

    def texts(rows, h):  # everything hero h's line says
        return " ".join((*rows[h].texts, rows[h].items, rows[h].note))

    assert "4321" in texts(renderer.scoreboard_rows(0, -1), 9)  # the all-seeing view
    row = renderer.scoreboard_rows(0, 0)[9]
    assert "4321" not in texts(renderer.scoreboard_rows(0, 0), 9)
    assert row.texts[1] == "?" and row.hp is None and row.greyed  # never seen: nothing known
    assert "4321" in texts(renderer.scoreboard_rows(0, 1), 9)  # its own side knows

    s.uf[0, 9, [F.X, F.Y]] = s.uf[0, 0, [F.X, F.Y]] + 300.0  # walks into Radiant's sight
    observe.observe_game(s, env.world, 0)
    assert s.visible[0, 0, 9]
    row = renderer.scoreboard_rows(0, 0)[9]
    assert row.texts[1] == str(s.hi[0, 9, F.LEVEL]) and row.texts[3] == "?" and not row.greyed
    seen_level, seen_hp = s.hi[0, 9, F.LEVEL], row.hp

    s.uf[0, 9, [F.X, F.Y]] = (4800.0, 3000.0)  # gone again; it levels up and is hurt out of sight
    s.hi[0, 9, F.LEVEL] += 3
    s.uf[0, 9, F.HP] *= 0.5
    s.gi[0, F.TICK] += 10 * 30
    observe.observe_game(s, env.world, 0)
    row = renderer.scoreboard_rows(0, 0)[9]
    assert row.texts[1] == str(seen_level) and row.hp == seen_hp and row.greyed
    assert row.note == "seen 10s ago" and "4321" not in texts(renderer.scoreboard_rows(0, 0), 9)
    renderer.forget()  # a seek: what was seen before is forgotten
    assert renderer.scoreboard_rows(0, 0)[9].texts[1] == "?"


def test_units_glide_between_world_states_but_not_across_a_jump():
    env = _spread_out()
    s = env.state
    pygame.display.init()
    renderer = Renderer(env, map_px=300)
    surface = pygame.Surface(renderer.size)
    renderer.draw(surface, 0, View())
    start = s.uf[0, 0, [F.X, F.Y]].copy()
    s.uf[0, 0, F.X] += 100.0  # one decision later, 100 further east
    s.uf[0, 9, F.X] -= 2000.0  # and hero 9 blinked
    s.gi[0, F.TICK] += env.config.frameskip
    renderer.draw(surface, 0, View(), t=0.5)
    np.testing.assert_allclose(renderer.positions(0)[0], start + (50.0, 0.0))
    np.testing.assert_allclose(renderer.positions(0)[9], s.uf[0, 9, [F.X, F.Y]])
    origin, scale = renderer.camera(View(), 0)
    x, y = renderer.to_px(*(start + (50.0, 0.0)), origin, scale)
    assert tuple(surface.get_at((x, y)))[:3] == HERO_COLOURS[s.hi[0, 0, F.HERO_ID]]
    renderer.draw(surface, 0, View(), t=1.0)
    np.testing.assert_allclose(renderer.positions(0)[0], s.uf[0, 0, [F.X, F.Y]])


def test_panels_never_overlap_and_the_map_fills_the_window():
    from itertools import combinations

    from moba.render import BOTTOM, SIDE, Layout

    for size in ((1020, 810), (1600, 900), (800, 1100), (640, 480)):
        layout = Layout.fit(size)
        tiles = (layout.map, layout.scoreboard, layout.notes, layout.bottom)
        for a, b in combinations(tiles, 2):
            assert not a.colliderect(b), size
        assert layout.map.size == (size[0] - SIDE, size[1] - BOTTOM)
        assert pygame.Rect(0, 0, *size).contains(layout.scoreboard.union(layout.notes))
        # The shop and the minimap lie over the map, apart.
        assert layout.map.contains(layout.shop) and layout.map.contains(layout.minimap)
        assert not layout.shop.colliderect(layout.minimap)


def test_the_hero_bar_shows_levels_cooldowns_and_mana():
    from helpers import make_env

    from engine.tables import ITEM_INDEX

    env = make_env()
    s = env.state
    tick = s.gi[0, F.TICK]
    s.abil[0, 0, :, F.ABIL_LEVEL] = (1, 0, 2, 0)
    s.abil[0, 0, 0, F.ABIL_READY] = tick + 90  # 3 s of cooldown left
    s.inv[0, 0, 0, F.INV_ITEM], s.inv[0, 0, 0, F.INV_CHARGES] = ITEM_INDEX["healing_salve"], 2
    pygame.display.init()
    renderer = Renderer(env, map_px=300)
    q, w, e, _, *items = renderer.hero_bar(0, 0)
    assert (q.key, q.level, q.cooldown, q.ready) == ("q", 1, 3.0, False) and 0 < q.cooldown_share <= 1
    assert w.level == 0 and not w.ready
    assert e.level == 2 and e.cooldown == 0 and (e.ready or e.passive) and e.mana >= 0
    assert items[0].name == "healing salve" and items[0].charges == 2 and items[0].ready
    assert items[1].name == "" and not items[1].ready
    s.uf[0, 0, F.MANA] = 0.0
    costly = [slot for slot in renderer.hero_bar(0, 0)[:4] if slot.mana > 0 and slot.level > 0]
    assert costly and not any(slot.ready for slot in costly)  # not enough mana
    surface = pygame.Surface(renderer.size)
    renderer.draw(surface, 0, View(fog="radiant"))
    renderer.draw_hero_bar(surface, 0, 0)
    bar = renderer.layout.bottom
    assert len({tuple(surface.get_at((x, bar.y + 30))) for x in range(bar.x, bar.right, 3)}) >= 4  # drawn
