"""Drawing replays headless (SDL's dummy driver): colours where units stand,
GIF frame counts, seeking."""

import os

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
from PIL import Image  # noqa: E402

from agents.random_agent import RandomAgent  # noqa: E402
from agents.scripted import ScriptedAgent  # noqa: E402
from engine import GameConfig  # noqa: E402
from engine import fields as F  # noqa: E402
from engine.world import BUILDING_BASE  # noqa: E402
from league.play import play_games  # noqa: E402
from moba.cli import main  # noqa: E402
from moba.render import HERO_COLOURS, TEAM_COLOURS, Renderer, View  # noqa: E402
from replays import Recorder, load_replay  # noqa: E402
from replays.playback import Playback  # noqa: E402
from replays.format import state_checksum  # noqa: E402

QUICK = GameConfig(map_size=2000.0, lane_width=300.0, time_cap_minutes=3.0, creep_slots=24, obs_units=16,
                   minimap_size=2, building_hp_scale=0.01, lineup="mirror")


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
