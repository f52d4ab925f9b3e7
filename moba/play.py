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
from league.play import team_win

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
                 human: str | None, replay_dir: str | Path, hero: int | None = None,
                 state: dict[str, np.ndarray] | None = None):
        """`hero`: the person's hero slot (default the side's first);
        `state`: a game to go on from (`replays.branch`), instead of a new one."""
        from moba.controls import HumanController
        from replays import Recorder

        self.env = BatchEnv(config, num_games=1, seed=seed)
        self.step = self.env.reset()
        if state is not None:
            self.step = self.env.restore(0, state)
        self.side, self.seed = side, seed
        self.bots = (allies, enemies) if side == 0 else (enemies, allies)
        self.hero = (side * HEROES_PER_TEAM if hero is None else hero) if human else -1
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
        self.recorder.after_step(self.env, actions, np.stack([team_win(b, 1) for b in self.bots], axis=1))
        if self.step.done[0]:
            self.result = {"winner": int(self.step.winner[0]), "ticks": int(self.step.length[0]),
                           "replay": str(self.recorder.written[-1])}

    def leave(self) -> Path | None:
        """Keep the game left before its end as a replay marked unfinished;
        its path, or None if not a decision was played."""
        if self.result is not None:
            return None
        before = len(self.recorder.written)
        self.recorder.stop(self.env)
        return self.recorder.written[-1] if len(self.recorder.written) > before else None


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


def run(session: Session, frames: int | None = None, window: bool = True, fps: int = FPS) -> Timings:
    """The real-time loop: events, a decision every `frameskip` frames,
    drawing. `frames` stops after that many (a benchmark); `window=False`
    draws off screen and never waits. Each frame draws the units a frame's
    share further from the world state before the last decision to the one
    after it, so they glide at the frame rate rather than hop at each
    decision (the picture trails the world by up to a decision, 0.13 s)."""
    from moba.render import VIEWS, Renderer, View

    if not window:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    renderer = Renderer(session.env)
    screen = pygame.display.set_mode(renderer.size, pygame.RESIZABLE) if window else pygame.Surface(renderer.size)
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
            elif event.type == pygame.VIDEORESIZE:
                screen = pygame.display.set_mode(event.size, pygame.RESIZABLE)
        _pan(renderer, view, session, window)
        if not paused and session.result is None:
            if frame % every == 0:
                session.decide()
            frame += 1
        renderer.draw(screen, 0, view, t=((frame - 1) % every + 1) / every)
        _overlay(screen, renderer, session, shop, paused)
        if window:
            renderer.tooltip(screen, pygame.mouse.get_pos(), 0, view)
        session.timings.frames_ms.append((time.perf_counter() - t0) * 1000)
        if window:
            pygame.display.flip()
            clock.tick(fps)
        if session.result is not None and not window:
            break
    return session.timings


def _click(event, renderer, view, session: Session, shop: bool) -> None:
    pos, layout, person = event.pos, renderer.layout, session.controller
    if shop and person is not None and layout.shop.collidepoint(pos):  # the open shop lies over the map
        item = _shop_item_at(renderer, pos)
        if item is not None and event.button == 1:
            person.buy(item)
        return
    if view.zoom > 1.0 and layout.minimap.collidepoint(pos):
        if event.button == 1:
            view.follow, view.center = -1, renderer.minimap_point(pos)
        elif event.button == 3 and person is not None:  # as in Dota: walk to the point clicked on the minimap
            person.right_click(*renderer.minimap_point(pos))
        return
    if not layout.map.collidepoint(pos) or person is None:
        return
    x, y = renderer.to_world(pos, 0, view)
    if event.button == 3:
        person.right_click(x, y)
    elif event.button == 1:
        person.left_click(x, y)


def _shop_rows(renderer) -> list[tuple[int, tuple[int, int, int, int]]]:
    """Each item's row (x, y, w, h) in the shop panel, in two columns when
    one does not fit the panel's height."""
    r = renderer.layout.shop
    room = r.h - 26  # under the panel's title
    columns = 1 if room // len(ITEMS) >= 16 else 2
    per_column = -(-len(ITEMS) // columns)
    h, w = min(22, room // per_column), r.w // columns
    return [(i, (r.x + w * (i // per_column) + 2, r.y + 24 + h * (i % per_column), w - 4, h - 2))
            for i in range(len(ITEMS))]


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
    r = renderer.layout.map
    edge = r.collidepoint(mx, my)  # the pointer at the map's edge scrolls it
    dx = (keys[pygame.K_RIGHT] or edge and r.right - mx <= 8) - (keys[pygame.K_LEFT] or edge and mx - r.x < 8)
    dy = (keys[pygame.K_UP] or edge and my - r.y < 8) - (keys[pygame.K_DOWN] or edge and r.bottom - my <= 8)
    if dx or dy:
        origin, scale = renderer.camera(view, 0)
        view.follow = -1
        step = PAN_STEP * session.env.map.size / 6000 / view.zoom
        view.center = (origin[0] + r.w / scale / 2 + dx * step, origin[1] + r.h / scale / 2 + dy * step)


def _overlay(screen, renderer, session: Session, shop: bool, paused: bool) -> None:
    """The person's hero bar, the shop when open, and the help and messages
    under the scoreboard."""
    font, s, person = renderer.font, session.env.state, session.controller
    lines = []
    if session.result is not None:
        w = session.result["winner"]
        lines.append(f"{('Radiant wins', 'Dire wins', 'draw')[w]}  -  replay {session.result['replay']}")
    if paused:
        lines.append("paused")
    if person is not None:
        if person.message:
            lines.append(person.message)
        lines.append("right-click move/attack  q w e r cast  1-6 items  b shop  y buyback  s stop  "
                     "F1 camera  wheel zoom  p pause  esc quit")
        renderer.draw_hero_bar(screen, 0, session.hero)
    renderer.draw_notes(screen, lines)
    if shop and person is not None:
        panel = renderer.layout.shop
        pygame.draw.rect(screen, (30, 32, 38), panel)
        pygame.draw.rect(screen, (90, 90, 100), panel, 1)
        gold = s.hf[0, session.hero, F.GOLD]
        screen.blit(font.render(f"shop  (gold {gold:.0f}; near your fountain)", True, (230, 230, 180)),
                    (panel.x + 6, panel.y + 5))
        for i, (x, y, w, h) in _shop_rows(renderer):
            can = s.mask_item[0, session.hero, i]
            colour = (230, 230, 230) if can else (140, 140, 140)
            pygame.draw.rect(screen, (50, 70, 50) if can else (50, 50, 50), (x, y, w, h))
            cost = font.render(f"{ITEMS[i].cost:.0f}", True, colour)
            screen.set_clip(pygame.Rect(x, y, w - cost.get_width() - 8, h))  # a long name gives way to the cost
            screen.blit(font.render(ITEMS[i].name.replace("_", " "), True, colour), (x + 4, y + (h - 12) // 2))
            screen.set_clip(None)
            screen.blit(cost, (x + w - cost.get_width() - 4, y + (h - 12) // 2))



def cmd_play(args) -> None:
    from agents.scripted import ScriptedAgent
    from moba.compile import ensure_compiled
    from moba.presets import load_preset

    side = ("radiant", "dire").index(args.side)
    human = None if args.spectate else args.name
    if (args.branch is None) != (args.at is None):
        raise ConfigError("--from REPLAY and --at MM:SS go together")
    state, hero = None, None
    if args.branch is not None:
        config, preset_name, state, hero = _branch_point(args, human)
        side = side if hero is None else hero // HEROES_PER_TEAM
    else:
        preset = load_preset(args.preset, args.overrides)
        preset_name = preset.name
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
    session = Session(config, preset_name, side, allies, enemies, args.seed, human, args.replays, hero, state)
    run(session)
    if session.result is None:
        kept = session.leave()
        print(f"left before the end; kept as an unfinished replay: {kept}" if kept else
              "left before the first decision; nothing recorded")
        return
    print(f"{('Radiant won', 'Dire won', 'draw')[session.result['winner']]}; replay {session.result['replay']}")
    if human and state is None:  # a branched game began mid-way: not a game to rate anyone by
        record_in_league(args.db, session, human, preset_name, args.rated)
        print(f"recorded in {args.db} as {human!r} ({'rated' if args.rated else 'unrated'})")


def _branch_point(args, human: str | None) -> tuple[GameConfig, str, dict[str, np.ndarray], int | None]:
    """`play --from REPLAY --at MM:SS`: the replay's game at that moment, and
    the slot of the person's hero (--hero, else the first of --side)."""
    from replays import load_replay
    from replays.branch import branch, parse_clock

    if args.overrides:
        raise ConfigError("--set does not apply with --from: the game goes on under the replay's rules")
    replay = load_replay(args.branch)
    point = branch(replay, parse_clock(args.at))
    lineup = [HEROES[int(h)].name for h in point.state["hi"][:, F.HERO_ID]]
    hero = None
    if human:
        side = ("radiant", "dire").index(args.side)
        if args.hero is not None and args.hero not in lineup:
            raise ConfigError(f"--hero {args.hero!r} is not in the replay's game; it has {', '.join(lineup)}")
        # A name on both teams (a mirror lineup) is the one on --side.
        slots = sorted((i // HEROES_PER_TEAM != side, i) for i, name in enumerate(lineup) if name == args.hero)
        hero = slots[0][1] if args.hero is not None else side * HEROES_PER_TEAM
    return point.config, str(replay.header["preset"]), point.state, hero
