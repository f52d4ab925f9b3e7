"""`moba play`: a person and nine bots in real time (or `--spectate`: ten bots).

Co-op: the person and four bots of the chosen kind against five scripted
bots; versus: the person and four scripted bots against five of the chosen
kind. The game runs at 30 ticks per second, the bots deciding every
`frameskip` ticks as in training. Every game is saved as a replay and its
result recorded in the league with the person as a `human` agent (unrated
unless `--rated`).
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pygame

from engine import BatchEnv, ConfigError, GameConfig
from engine import fields as F
from engine.constants import HEROES_PER_TEAM
from engine.tables import HERO_INDEX, HEROES, ITEMS

FPS = 30
PAN_STEP = 60.0  # map units per frame of arrow-key or edge scrolling, at zoom 1


def make_bot(spec: str, env: BatchEnv, seed: int, league_db: str | None = None):
    """'scripted', 'random', a league agent's name, or a checkpoint file."""
    from agents.policy_agent import load_policy_agent
    from agents.random_agent import RandomAgent
    from agents.scripted import ScriptedAgent

    if spec == "scripted":
        return ScriptedAgent()
    if spec == "random":
        return RandomAgent(seed)
    if Path(spec).is_file():
        return load_policy_agent(spec, env, seed=seed)
    if league_db and Path(league_db).is_file():
        from league.store import LeagueStore

        with LeagueStore(league_db) as store:
            row = store.agent(spec)
        if row.kind in ("scripted", "random"):
            return make_bot(row.kind, env, seed)
        return load_policy_agent(row.checkpoint, env, seed=seed, name=row.name)
    raise ConfigError(f"bot {spec!r} is not 'scripted', 'random', a checkpoint file, or an agent of the "
                      f"league {league_db!r}")


def lineup_with(config: GameConfig, hero: str | None, slot: int, seed: int) -> GameConfig:
    """The config with `hero` in hero slot `slot` and distinct random heroes elsewhere."""
    if hero is None:
        return config
    if hero not in HERO_INDEX:
        raise ConfigError(f"unknown hero {hero!r}; heroes: {', '.join(HERO_INDEX)}")
    rng = np.random.default_rng(seed)
    names = [h.name for h in HEROES]
    lineup = []
    for team in range(2):
        others = [n for n in names if n != hero or team != slot // HEROES_PER_TEAM]
        picks = [str(n) for n in rng.choice(others, HEROES_PER_TEAM, replace=False)]
        if team == slot // HEROES_PER_TEAM:
            picks[slot % HEROES_PER_TEAM] = hero
        lineup += picks
    return config.replace(lineup=lineup)


@dataclass
class Timings:
    decisions_ms: list[float] = field(default_factory=list)  # all bots' inference per decision
    frames_ms: list[float] = field(default_factory=list)  # one frame's work, without the wait

    def summary(self) -> dict[str, float]:
        d = sorted(self.decisions_ms) or [0.0]
        return {"decision_p50_ms": statistics.median(d), "decision_p99_ms": d[int(0.99 * (len(d) - 1))],
                "frame_ms": statistics.median(self.frames_ms or [0.0]),
                "fps_possible": 1000.0 / max(statistics.median(self.frames_ms or [1.0]), 1e-6)}


class Session:
    """One game: the env, the bots, the person's controller, the recorder."""

    def __init__(self, config: GameConfig, preset: str, side: int, allies, enemies, seed: int,
                 human: str | None, replay_dir: str | Path):
        from moba.controls import HumanController
        from replays import Recorder

        self.env = BatchEnv(config, num_games=1, seed=seed)
        self.step = self.env.reset()
        self.side, self.seed = side, seed
        self.bots = (allies, enemies) if side == 0 else (enemies, allies)
        self.hero = side * HEROES_PER_TEAM if human else -1
        self.controller = HumanController(self.env, self.hero) if human else None
        names = [getattr(b, "name", "bot") for b in self.bots]
        if human:
            names[side] = f"{human}+{names[side]}"
        self.names = tuple(names)
        self.recorder = Recorder(replay_dir, preset, self.names, prefix=f"play-{time.strftime('%Y%m%d-%H%M%S')}")
        self.recorder.start(self.env)
        self.result: dict | None = None
        self.timings = Timings()

    def decide(self) -> None:
        t0 = time.perf_counter()
        actions = np.concatenate([self.bots[0].act(self.env, self.step, 0),
                                  self.bots[1].act(self.env, self.step, 1)], axis=1)
        self.timings.decisions_ms.append((time.perf_counter() - t0) * 1000)
        if self.controller is not None:
            actions[0, self.hero] = self.controller.action()
        self.step = self.env.step(actions)
        self.recorder.after_step(self.env, actions)
        if self.step.done[0]:
            self.result = {"winner": int(self.step.winner[0]), "ticks": int(self.step.length[0]),
                           "replay": str(self.recorder.written[-1])}


def record_in_league(db: str | Path, session: Session, human: str, preset: str, rated: bool) -> None:
    """The finished game in the league, the person's side as a `human` agent."""
    from agents.policy_agent import PolicyAgent
    from league.store import LeagueStore

    with LeagueStore(db) as store:
        ids = []
        for team, bot in enumerate(session.bots):
            if team == session.side:
                ids.append(store.add_agent(human, "human", exist_ok=True).id)
            else:
                kind = "learned" if isinstance(bot, PolicyAgent) else bot.name
                ids.append(store.add_agent(bot.name, kind, checkpoint=getattr(bot, "source", None),
                                           exist_ok=True).id)
        (game,) = store.schedule([(ids[0], ids[1], session.seed)], preset, rated=rated)
        store.record(game, session.result["winner"], session.result["ticks"], session.result["replay"])


def run(session: Session, frames: int | None = None, window: bool = True) -> Timings:
    """The real-time loop: events, a decision every `frameskip` frames,
    drawing. `frames` stops after that many (a benchmark); `window=False`
    draws off screen and never waits."""
    from moba.render import VIEWS, Renderer, View

    if not window:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    renderer = Renderer(session.env)
    screen = pygame.display.set_mode(renderer.size) if window else pygame.Surface(renderer.size)
    if window:
        pygame.display.set_caption("moba play")
    clock = pygame.time.Clock()
    human = session.controller is not None
    view = View(follow=session.hero if human else -1, zoom=2.5 if human else 1.0,
                fog=VIEWS[session.side + 1] if human else "all")
    paused, shop, frame = False, False, 0
    every = session.env.config.frameskip
    while frames is None or frame < frames:
        t0 = time.perf_counter()
        for event in pygame.event.get() if window else ():
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                return session.timings
            if event.type == pygame.KEYDOWN:
                if event.key in (pygame.K_p, pygame.K_PAUSE) or (event.key == pygame.K_SPACE and not human):
                    paused = not paused
                elif event.key == pygame.K_b:
                    shop = not shop
                elif event.key == pygame.K_F1 and human:
                    view.follow = -1 if view.follow >= 0 else session.hero
                elif event.key == pygame.K_v and not human:
                    view.fog = VIEWS[(VIEWS.index(view.fog) + 1) % len(VIEWS)]
                elif human and event.unicode:
                    session.controller.key(event.unicode.lower())
            elif event.type == pygame.MOUSEWHEEL:
                view.zoom = float(np.clip(view.zoom * (1.25 if event.y > 0 else 0.8), 1.0, 8.0))
            elif event.type == pygame.MOUSEBUTTONDOWN:
                _click(event, renderer, view, session, shop)
        _pan(renderer, view, session, window)
        if not paused and session.result is None:
            if frame % every == 0:
                session.decide()
            frame += 1
        renderer.draw(screen, 0, view)
        _overlay(screen, renderer, session, shop, paused)
        session.timings.frames_ms.append((time.perf_counter() - t0) * 1000)
        if window:
            pygame.display.flip()
            clock.tick(FPS)
        if session.result is not None and not window:
            break
    return session.timings


def _click(event, renderer, view, session: Session, shop: bool) -> None:
    pos = event.pos
    if view.zoom > 1.0 and renderer.minimap_rect().collidepoint(pos) and event.button == 1:
        view.follow, view.center = -1, renderer.minimap_point(pos)
        return
    if shop and event.button == 1 and session.controller is not None:
        item = _shop_item_at(renderer, pos)
        if item is not None:
            session.controller.buy(item)
            return
    if pos[0] >= renderer.map_px or pos[1] >= renderer.map_px or session.controller is None:
        return
    x, y = renderer.to_world(pos, 0, view)
    if event.button == 3:
        session.controller.right_click(x, y)
    elif event.button == 1:
        session.controller.left_click(x, y)


def _shop_rows(renderer):
    x0, y0 = renderer.map_px + 10, renderer.map_px - 22 * len(ITEMS) - 30
    return [(i, (x0, y0 + 22 * i, 270, 20)) for i in range(len(ITEMS))]


def _shop_item_at(renderer, pos) -> int | None:
    for i, (x, y, w, h) in _shop_rows(renderer):
        if x <= pos[0] < x + w and y <= pos[1] < y + h:
            return i
    return None


def _pan(renderer, view, session: Session, window: bool) -> None:
    if not window:
        return
    keys = pygame.key.get_pressed()
    mx, my = pygame.mouse.get_pos() if pygame.mouse.get_focused() else (-1, -1)
    dx = (keys[pygame.K_RIGHT] or 0 <= renderer.map_px - mx < 8) - (keys[pygame.K_LEFT] or 0 <= mx < 8)
    dy = (keys[pygame.K_UP] or 0 <= my < 8) - (keys[pygame.K_DOWN] or 0 <= renderer.map_px - my < 8)
    if dx or dy:
        origin, scale = renderer.camera(view, 0)
        half = renderer.map_px / scale / 2
        view.follow = -1
        step = PAN_STEP * session.env.map.size / 6000 / view.zoom
        view.center = (origin[0] + half + dx * step, origin[1] + half + dy * step)


def _overlay(screen, renderer, session: Session, shop: bool, paused: bool) -> None:
    font, s = renderer.font, session.env.state
    lines = []
    if session.controller is not None:
        lines.append("right-click move/attack  q w e r cast  1-6 items  b shop  y buyback  s stop  "
                     "F1 camera  wheel zoom  p pause  esc quit")
        if session.controller.message:
            lines.append(session.controller.message)
    if paused:
        lines.append("paused")
    if session.result is not None:
        w = session.result["winner"]
        lines.append(f"{('Radiant wins', 'Dire wins', 'draw')[w]}  -  replay {session.result['replay']}")
    for i, text in enumerate(lines):
        screen.blit(font.render(text, True, (255, 255, 200)), (8, renderer.map_px - 18 * (len(lines) - i)))
    if shop and session.controller is not None:
        gold = s.hf[0, session.hero, F.GOLD]
        for i, (x, y, w, h) in _shop_rows(renderer):
            can = s.mask_item[0, session.hero, i]
            pygame.draw.rect(screen, (50, 70, 50) if can else (50, 50, 50), (x, y, w, h))
            label = f"{ITEMS[i].name.replace('_', ' '):<18} {ITEMS[i].cost:>5.0f}"
            screen.blit(font.render(label, True, (230, 230, 230) if can else (140, 140, 140)), (x + 4, y + 3))
        screen.blit(font.render(f"shop  (gold {gold:.0f}; near your fountain)", True, (230, 230, 180)),
                    (renderer.map_px + 10, _shop_rows(renderer)[0][1][1] - 20))



def cmd_play(args) -> None:
    from agents.scripted import ScriptedAgent
    from moba.compile import ensure_compiled
    from moba.presets import load_preset

    preset = load_preset(args.preset, args.overrides)
    side = ("radiant", "dire").index(args.side)
    human = None if args.spectate else args.name
    config = lineup_with(preset.game, args.hero, side * HEROES_PER_TEAM, args.seed) if human else preset.game
    ensure_compiled()
    probe = BatchEnv(config, num_games=1)
    bot = make_bot(args.bot, probe, args.seed, args.db)
    if args.spectate:
        allies, enemies = bot, make_bot(args.vs, probe, args.seed + 1, args.db)
    elif args.mode == "coop":
        allies, enemies = bot, ScriptedAgent()
    else:
        allies, enemies = ScriptedAgent(), bot
    session = Session(config, preset.name, side, allies, enemies, args.seed, human, args.replays)
    run(session)
    if session.result is None:
        print("left before the end; nothing recorded")
        return
    print(f"{('Radiant won', 'Dire won', 'draw')[session.result['winner']]}; replay {session.result['replay']}")
    if human:
        record_in_league(args.db, session, human, preset.name, args.rated)
        print(f"recorded in {args.db} as {human!r} ({'rated' if args.rated else 'unrated'})")
