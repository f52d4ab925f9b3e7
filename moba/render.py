"""Drawing a game with pygame: the map, units, fog, scoreboard, timeline and
win-probability graph. `Renderer.draw` paints one game of a `BatchEnv` onto a
surface; the viewer (`moba.watch`), `moba play` and the headless `moba render`
share it.

The panels are laid out anew for the surface's size at every frame
(`Layout`). Between two world states (a decision apart) units glide: the
caller says how far along it is (`t`). A team's view shows only what that
team knows: darkness where it has no sight, and on the scoreboard its enemies
as last seen (`Known`), never their gold. The renderer remembers positions
and sightings across frames; call `forget` after jumping in time (a seek).
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass

import numpy as np
import pygame

from engine import BatchEnv, rules
from engine import fields as F
from engine.abilities import ABILITIES, TARGET_PASSIVE, TARGET_POINT, TARGET_UNIT
from engine.constants import (
    HEROES_PER_TEAM,
    INVENTORY_SLOTS,
    KIND_ANCIENT,
    KIND_BARRACKS,
    KIND_FOUNTAIN,
    KIND_HERO,
    KIND_MELEE_CREEP,
    KIND_RANGED_CREEP,
    KIND_TOWER,
    NUM_ABILITIES,
    NUM_HEROES,
    ORDER_CAST,
    TICKS_PER_SECOND,
)
from engine.effects import castable
from engine.mapgen import (
    TERRAIN_BASE,
    TERRAIN_GROUND,
    TERRAIN_LANE,
    TERRAIN_RIVER,
    TERRAIN_TREES,
)
from engine.tables import HEROES, ITEMS
from engine.world import BUILDING_BASE, BUILDINGS_PER_TEAM
from moba.controls import CAST_KEYS, ITEM_KEYS
from replays.format import clock

TERRAIN_COLOURS = {TERRAIN_GROUND: (62, 84, 52), TERRAIN_TREES: (28, 52, 28), TERRAIN_RIVER: (52, 92, 130),
                   TERRAIN_LANE: (120, 104, 78), TERRAIN_BASE: (92, 88, 80)}
TEAM_COLOURS = ((80, 220, 90), (230, 70, 60))  # Radiant, Dire
# Rings drawn around a unit under a status, outermost first.
STATUS_RINGS = ((F.SHIELD_END, (120, 200, 255)), (F.IMMUNE_END, (240, 200, 60)),
                (F.STUN_END, (255, 255, 90)), (F.SILENCE_END, (190, 90, 230)),
                (F.ROOT_END, (150, 100, 50)), (F.SLOW_END, (70, 110, 240)))
CAST_COLOUR = (140, 240, 255)
HERO_COLOURS = [tuple(int(255 * c) for c in colorsys.hsv_to_rgb(i / len(HEROES), 0.7, 1.0))
                for i in range(len(HEROES))]
PANEL = (24, 26, 30)
TEXT = (225, 225, 225)
GREY = (120, 120, 120)
FOG = (0, 0, 0, 150)  # laid over what the viewing team cannot see
STRIKE = (255, 235, 140)  # attacks: projectiles, melee strikes, HP just lost
KIND_NAMES = {KIND_MELEE_CREEP: "melee creep", KIND_RANGED_CREEP: "ranged creep", KIND_TOWER: "tower",
              KIND_BARRACKS: "barracks", KIND_ANCIENT: "ancient", KIND_FOUNTAIN: "fountain"}
VIEWS = ("all", "radiant", "dire")
SIDE = 300  # scoreboard width
BOTTOM = 90  # timeline and graph height, or the hero's ability and item bar
NOTES = 100  # help and messages, under the scoreboard
MIN_MAP = 240  # the map's smallest side, however small the window
SHOP_W = 280
SCORE_COLUMNS = (0, 116, 145, 215)  # x of name, level, K/D/A, gold
# A unit that moved further than this in one decision jumped (a blink, a
# respawn, a creep in a reused slot): it is not glided across the map.
JUMP = 400.0
PROJECTILE_SPEED = 36.0  # map units per tick an attack's projectile is drawn flying
STRIKE_TICKS = 4  # how long a melee strike is drawn after it lands
TRAIL_KEEP = 0.7  # share of an HP loss still shown on the bar one decision later
FLOAT_TICKS = TICKS_PER_SECOND  # how long a hero's damage number rises
FLOAT_MERGE = TICKS_PER_SECOND // 2  # damage this soon after a number's start adds to it


@dataclass
class View:
    fog: str = "all"  # whose vision: all, radiant, dire
    follow: int = -1  # hero slot the camera follows, -1 none
    zoom: float = 1.0
    center: tuple[float, float] | None = None  # where the camera looks when not following


@dataclass(frozen=True)
class Layout:
    """Where each panel goes in a window: the map fills what the scoreboard
    column (right) and the bottom bar leave. The minimap covers the map's
    bottom-right corner (the camera stops at the map's edges, so bottom-left
    would hide Radiant's base) and the shop, while open, the map's right edge
    above it (as in Dota), so no panel overprints another's text."""

    map: pygame.Rect
    scoreboard: pygame.Rect
    notes: pygame.Rect  # help and messages, under the scoreboard
    bottom: pygame.Rect  # the timeline, or the hero's ability and item bar
    minimap: pygame.Rect
    shop: pygame.Rect

    @classmethod
    def fit(cls, size: tuple[int, int]) -> Layout:
        w, h = max(size[0], MIN_MAP + SIDE), max(size[1], MIN_MAP + BOTTOM)
        area = pygame.Rect(0, 0, w - SIDE, h - BOTTOM)
        side = min(area.w, area.h) // 4
        shop_w = min(SHOP_W, area.w - 12)
        return cls(map=area, scoreboard=pygame.Rect(area.right, 0, SIDE, h - NOTES),
                   notes=pygame.Rect(area.right, h - NOTES, SIDE, NOTES),
                   bottom=pygame.Rect(0, area.bottom, area.w, BOTTOM),
                   minimap=pygame.Rect(area.right - side - 6, area.bottom - side - 6, side, side),
                   shop=pygame.Rect(area.right - shop_w - 6, 30, shop_w, area.h - side - 42))


@dataclass
class Known:
    """What one team has seen of the ten heroes: each one's hero ints, items
    and unit floats when last visible, and the tick of that sighting (-1:
    never). Its own heroes are always in sight. Gold is never seen."""

    seen: np.ndarray  # [10] tick
    hi: np.ndarray  # [10, HI]
    inv: np.ndarray  # [10, slots, INV]
    uf: np.ndarray  # [10, UF]

    @classmethod
    def nothing(cls, env: BatchEnv) -> Known:
        s = env.state
        return cls(np.full(NUM_HEROES, -1), np.zeros_like(s.hi[0]), np.zeros_like(s.inv[0]),
                   np.zeros_like(s.uf[0, :NUM_HEROES]))

    def update(self, env: BatchEnv, g: int, team: int) -> None:
        s = env.state
        now = s.visible[g, team, :NUM_HEROES]
        self.seen[now] = s.gi[g, F.TICK]
        self.hi[now], self.inv[now], self.uf[now] = s.hi[g][now], s.inv[g][now], s.uf[g, :NUM_HEROES][now]


@dataclass
class Motion:
    """What smooth drawing of one game remembers between frames: positions at
    the previous and the current world state (units are drawn between them),
    HP trails that show a loss fading, and heroes' recent damage numbers."""

    tick: int  # of the current world state
    prev: np.ndarray  # [U, 2] positions a decision before
    cur: np.ndarray  # [U, 2]
    xy: np.ndarray  # [U, 2] where the last frame drew each unit
    hp: np.ndarray  # [U] at the current state
    alive: np.ndarray  # [U] at the current state
    trail: np.ndarray  # [U] HP the bar shows as just lost (>= hp)
    hits: list[tuple[int, float, int]]  # (hero, damage, tick) rising numbers


@dataclass
class ScoreRow:
    """One hero's scoreboard line as a team knows it."""

    texts: tuple[str, str, str, str]  # name, level, K/D/A, gold
    items: str
    note: str  # the respawn timer, or how long ago an enemy was seen
    hp: float | None  # fractions as known; None: never seen
    mana: float | None
    colour: tuple[int, int, int]
    greyed: bool  # dead, or known only as last seen


@dataclass
class BarSlot:
    """An ability or item of the player's hero, as its bar shows it."""

    key: str
    name: str  # "" for an empty item slot
    level: int  # of an ability; 0: not learned
    cooldown: float  # seconds left
    cooldown_share: float  # of its whole cooldown
    mana: float  # cost at its level
    ready: bool  # castable now: learned, off cooldown, enough mana, not stunned or silenced
    passive: bool
    charges: int


class Renderer:
    def __init__(self, env: BatchEnv, map_px: int = 720):
        pygame.font.init()
        self.env = env
        self.size = (map_px + SIDE, map_px + BOTTOM)  # the default window: a square map
        self.layout = Layout.fit(self.size)  # of the last frame drawn
        self.font = pygame.font.Font(None, 18)
        self.big = pygame.font.Font(None, 24)
        self.small = pygame.font.Font(None, 15)
        terrain = env.map.terrain
        rgb = np.zeros(terrain.shape + (3,), np.uint8)
        for t, colour in TERRAIN_COLOURS.items():
            rgb[terrain == t] = colour
        # rows are y upwards; pygame's rows go down, and surfarray wants [x, y]
        self.terrain = pygame.surfarray.make_surface(np.ascontiguousarray(rgb[::-1].transpose(1, 0, 2)))
        self.motion: dict[int, Motion] = {}
        self.known: dict[tuple[int, int], Known] = {}

    def forget(self) -> None:
        """Drop what was remembered of earlier frames (positions to glide
        from, sightings): for a jump in time, such as a replay's seek."""
        self.motion.clear()
        self.known.clear()

    def to_px(self, x: float, y: float, origin: tuple[float, float], scale: float) -> tuple[int, int]:
        r = self.layout.map
        return (int(r.x + (x - origin[0]) * scale), int(r.bottom - (y - origin[1]) * scale))

    def camera(self, view: View, g: int) -> tuple[tuple[float, float], float]:
        """The map point at the map area's bottom-left corner, and pixels per
        map unit: the area's shorter side spans the map / zoom, the longer one
        more (a view wider than the map is centred on it)."""
        r, size = self.layout.map, self.env.map.size
        scale = min(r.w, r.h) * max(view.zoom, 1.0) / size
        if view.follow >= 0:
            cx, cy = self.positions(g)[view.follow]
        else:
            cx, cy = view.center or (size / 2, size / 2)
        return (_low_edge(cx, r.w / scale, size), _low_edge(cy, r.h / scale, size)), scale

    def positions(self, g: int) -> np.ndarray:
        """[U, 2] where the last frame drew each unit (the state's positions
        before any frame)."""
        m = self.motion.get(g)
        return m.xy if m is not None else self.env.state.uf[g][:, [F.X, F.Y]]

    def draw(self, surface: pygame.Surface, g: int = 0, view: View | None = None, timeline: tuple | None = None,
             win: np.ndarray | None = None, t: float = 1.0) -> None:
        """Paint game `g`, its units `t` of the way from the previous world
        state to the current one. `timeline` = (step, steps, keyframe steps);
        `win` [steps, 2] (each team's estimate that it wins, NaN where it
        has none: `Replay.win`) draws the win-probability graph up to `step`."""
        view = view or View()
        s = self.env.state
        self.layout = Layout.fit(surface.get_size())
        self._glide(g, t)
        team = VIEWS.index(view.fog) - 1  # -1: all-seeing
        surface.fill(PANEL)
        area = self.layout.map
        surface.set_clip(area)  # units near the edge stay on the map
        origin, scale = self.camera(view, g)
        self._terrain(surface, origin, scale)
        if team >= 0:
            self._fog(surface, area, g, team, lambda x, y: self.to_px(x, y, origin, scale), scale)
        self._units(surface, g, team, origin, scale, t)
        if view.zoom > 1.0:
            self.draw_minimap(surface, g, view)
        surface.set_clip(None)
        self._scoreboard(surface, g, team)
        if timeline is not None:
            self._timeline(surface, *timeline, win)
        score = f"{s.gi[g, F.SCORE]} - {s.gi[g, F.SCORE + 1]}"
        label = self.big.render(f"{clock(s.gi[g, F.TICK])}   Radiant {score} Dire   view: {view.fog}", True, TEXT)
        surface.blit(label, (area.x + 8, area.y + 6))

    def _glide(self, g: int, t: float) -> None:
        """Take in the current world state (a new one moves the current
        positions to the previous, records HP lost) and place the units `t`
        of the way between the two."""
        s = self.env.state
        tick = int(s.gi[g, F.TICK])
        xy = s.uf[g][:, [F.X, F.Y]]
        hp, alive = s.uf[g, :, F.HP].copy(), s.ui[g, :, F.ALIVE] == 1
        m = self.motion.get(g)
        if m is None or tick < m.tick:  # the first frame, or back in time
            m = self.motion[g] = Motion(tick, xy, xy, xy, hp, alive, hp.copy(), [])
        elif tick > m.tick:
            # Only a world state one decision on is glided to (a fast replay skips several).
            glide = tick - m.tick <= self.env.config.frameskip
            prev = m.cur.copy() if glide else xy
            jumped = ~(alive & m.alive) | (np.hypot(*(xy - prev).T) > JUMP)
            prev[jumped] = xy[jumped]
            was = m.alive & alive
            m.hits = [hit for hit in m.hits if tick - hit[2] < FLOAT_TICKS]
            for h in np.flatnonzero(was[:NUM_HEROES] & (m.hp[:NUM_HEROES] - hp[:NUM_HEROES] >= 1.0)):
                last = max((i for i, hit in enumerate(m.hits) if hit[0] == h), default=-1)
                if last >= 0 and tick - m.hits[last][2] < FLOAT_MERGE:  # one number per burst, not one per decision
                    m.hits[last] = (int(h), m.hits[last][1] + float(m.hp[h] - hp[h]), m.hits[last][2])
                else:
                    m.hits.append((int(h), float(m.hp[h] - hp[h]), tick))
            m.trail = np.where(was, hp + np.maximum(m.trail - hp, 0.0) * TRAIL_KEEP, hp)
            m.tick, m.prev, m.hp, m.alive = tick, prev, hp, alive
        # The current state is what the units glide to, even when edited in place since.
        m.cur = xy
        m.xy = m.prev + (m.cur - m.prev) * min(max(t, 0.0), 1.0)

    def _known(self, g: int, team: int) -> Known:
        """Team `team`'s record of the heroes, brought up to the current state."""
        known = self.known.setdefault((g, team), Known.nothing(self.env))
        known.update(self.env, g, team)
        return known

    def _terrain(self, surface, origin, scale) -> None:
        """The terrain cells under the camera, scaled so that cell edges fall
        where `to_px` puts their map coordinates."""
        r, size, terrain = self.layout.map, self.env.map.size, self.terrain
        n = terrain.get_width()
        cell = size / n
        x0, y0 = max(int(origin[0] / cell), 0), max(int(origin[1] / cell), 0)
        x1 = min(math.ceil((origin[0] + r.w / scale) / cell), n)
        y1 = min(math.ceil((origin[1] + r.h / scale) / cell), n)
        if x1 <= x0 or y1 <= y0:
            return
        part = terrain.subsurface(pygame.Rect(x0, n - y1, x1 - x0, y1 - y0))
        left, top = self.to_px(x0 * cell, y1 * cell, origin, scale)
        right, bottom = self.to_px(x1 * cell, y0 * cell, origin, scale)
        surface.blit(pygame.transform.scale(part, (max(right - left, 1), max(bottom - top, 1))), (left, top))

    def _fog(self, surface, area: pygame.Rect, g: int, team: int, to_px, scale: float) -> None:
        """Darken `area` but for the circles the team's living units see (the
        engine's vision: every unit sees its VISION radius, nothing blocks it);
        `to_px` places a map point, `scale` pixels per map unit."""
        s, xy = self.env.state, self.positions(g)
        fog = pygame.Surface(area.size, pygame.SRCALPHA)
        fog.fill(FOG)
        for u in np.flatnonzero((s.ui[g, :, F.ALIVE] == 1) & (s.ui[g, :, F.TEAM] == team)):
            r = int(s.uf[g, u, F.VISION] * scale)
            if r > 0:
                x, y = to_px(*xy[u])
                pygame.draw.circle(fog, (0, 0, 0, 0), (x - area.x, y - area.y), r)
        surface.blit(fog, area.topleft)

    def _shown(self, g: int, team: int) -> np.ndarray:
        """[U] the living units a view draws: all, or its team's and those the team sees now."""
        s = self.env.state
        alive = s.ui[g, :, F.ALIVE] == 1
        if team < 0:
            return alive
        return alive & ((s.ui[g, :, F.TEAM] == team) | s.visible[g, team])

    def _units(self, surface, g, team, origin, scale, t) -> None:
        s, m = self.env.state, self.motion[g]
        k = 0.7 * math.sqrt(scale * self.env.map.size / min(self.layout.map.size))  # unit sizes grow with the zoom
        shown = self._shown(g, team)
        pixel = {int(u): self.to_px(*m.xy[u], origin, scale) for u in np.flatnonzero(shown)}
        if team >= 0:  # enemy buildings stand where they stand: drawn as last seen
            for b in range(BUILDINGS_PER_TEAM):
                u = BUILDING_BASE + (1 - team) * BUILDINGS_PER_TEAM + b
                if s.ui[g, u, F.ALIVE] and not shown[u]:
                    self._building(surface, g, u, *self.to_px(*m.xy[u], origin, scale), k,
                                   float(s.seen_bld_hp[g, team, 1 - team, b]), stale=True)
        for u, (x, y) in pixel.items():
            owner, kind = int(s.ui[g, u, F.TEAM]), int(s.ui[g, u, F.KIND])
            colour = TEAM_COLOURS[owner]
            r = max(5, int(12 * k)) if kind == KIND_HERO else max(2, int(5 * k))
            self._statuses(surface, g, u, x, y, r, origin, scale)
            if kind == KIND_HERO:
                if rules.invisible(s, g, u):  # drawn hollow: only its own side (or revealed) sees it
                    pygame.draw.circle(surface, HERO_COLOURS[int(s.hi[g, u, F.HERO_ID])], (x, y), r - 2, 1)
                else:
                    pygame.draw.circle(surface, HERO_COLOURS[int(s.hi[g, u, F.HERO_ID])], (x, y), r)
                pygame.draw.circle(surface, colour, (x, y), r, 2)
                name = HEROES[int(s.hi[g, u, F.HERO_ID])].name[:2].title()
                surface.blit(self.font.render(name, True, TEXT), (x - r, y - r - 22))
                self._bars(surface, x - r, y - r - 9, 2 * r, self._hp(g, u), self._mana(g, u), self._lost(g, u))
            elif kind in (KIND_TOWER, KIND_BARRACKS, KIND_ANCIENT, KIND_FOUNTAIN):
                self._building(surface, g, u, x, y, k, self._hp(g, u))
            else:
                pygame.draw.circle(surface, colour, (x, y), r)
        for u, (x, y) in pixel.items():  # attacks over the units
            target = int(s.ui[g, u, F.TARGET])
            if target in pixel:
                self._attack(surface, g, u, (x, y), pixel[target], t)
        for h, damage, tick in m.hits:
            if h in pixel:
                age = (m.tick - tick + t * self.env.config.frameskip) / FLOAT_TICKS
                x, y = pixel[h]
                text = self.font.render(f"-{damage:.0f}", True, (255, 120, 100))
                surface.blit(text, (x + 8, y - 24 - int(24 * age)))

    def _building(self, surface, g, u, x, y, k, hp: float, stale: bool = False) -> None:
        kind = int(self.env.state.ui[g, u, F.KIND])
        half = max(3, int({KIND_TOWER: 7, KIND_BARRACKS: 6, KIND_ANCIENT: 12, KIND_FOUNTAIN: 10}[kind] * k))
        rect = pygame.Rect(x - half, y - half, 2 * half, 2 * half)
        colour = TEAM_COLOURS[int(self.env.state.ui[g, u, F.TEAM])]
        pygame.draw.rect(surface, _dim(colour) if stale else colour, rect)
        pygame.draw.rect(surface, (20, 20, 20), rect, 1)
        if kind != KIND_FOUNTAIN:
            self._bars(surface, x - half, y - half - 5, 2 * half, hp, lost=None if stale else self._lost(g, u))

    def _attack(self, surface, g, u, start, end, t) -> None:
        """An attack that landed lately: a ranged one's projectile flying to
        its target, a melee one's strike. The frame shows the world `1 - t`
        of a decision before the current state, so the attack's age is too."""
        s = self.env.state
        period, cd = s.uf[g, u, F.ATTACK_TICKS], s.uf[g, u, F.ATTACK_CD]
        if cd <= 0.0:
            return
        age = period - cd - (1.0 - t) * self.env.config.frameskip  # ticks since it landed
        dx, dy = end[0] - start[0], end[1] - start[1]
        if s.uf[g, u, F.RANGE] > 250.0:
            distance = math.hypot(s.uf[g, u, F.X] - s.uf[g, int(s.ui[g, u, F.TARGET]), F.X],
                                  s.uf[g, u, F.Y] - s.uf[g, int(s.ui[g, u, F.TARGET]), F.Y])
            flight = min(max(distance / PROJECTILE_SPEED, 2.0), 0.8 * period)
            if 0.0 <= age < flight:
                f = age / flight
                pygame.draw.circle(surface, STRIKE, (int(start[0] + dx * f), int(start[1] + dy * f)), 3)
        elif 0.0 <= age < STRIKE_TICKS:
            pygame.draw.line(surface, STRIKE, (int(start[0] + dx * 0.3), int(start[1] + dy * 0.3)),
                             (int(start[0] + dx * 0.8), int(start[1] + dy * 0.8)), 3)

    def _hp(self, g: int, u: int) -> float:
        return float(self.env.state.uf[g, u, F.HP] / max(self.env.state.uf[g, u, F.MAX_HP], 1e-6))

    def _mana(self, g: int, u: int) -> float:
        return float(self.env.state.uf[g, u, F.MANA] / max(self.env.state.uf[g, u, F.MAX_MANA], 1e-6))

    def _lost(self, g: int, u: int) -> float:
        """The share of its HP unit u lost lately, fading out."""
        m = self.motion[g]
        return float((m.trail[u] - m.hp[u]) / max(self.env.state.uf[g, u, F.MAX_HP], 1e-6))

    def _statuses(self, surface, g, u, x, y, r, origin, scale) -> None:
        """Coloured rings for the unit's timed statuses, and a line from a
        casting hero to where its cast aims."""
        s = self.env.state
        tick = s.gi[g, F.TICK]
        if s.ui[g, u, F.EFFECTS_END] > tick:
            ring = r + 2
            for field, colour in STATUS_RINGS:
                if s.uf[g, u, field] > tick:
                    ring += 2
                    pygame.draw.circle(surface, colour, (x, y), ring, 2)
        if s.ui[g, u, F.KIND] != KIND_HERO or s.ui[g, u, F.ORDER] != ORDER_CAST:
            return
        aim = self.env.world.abil_tab[s.hi[g, u, F.CAST_ABIL], F.AB_TARGET]
        v = int(s.ui[g, u, F.ORDER_TARGET])
        if aim == TARGET_UNIT and v >= 0:
            tx, ty = self.positions(g)[v]
        elif aim == TARGET_POINT:
            tx, ty = s.uf[g, u, F.ORDER_X], s.uf[g, u, F.ORDER_Y]
        else:
            return
        pygame.draw.line(surface, CAST_COLOUR, (x, y), self.to_px(tx, ty, origin, scale), 2)

    def _bars(self, surface, x, y, w, hp: float, mana: float | None = None, lost: float | None = None,
              dim: bool = False) -> None:
        """HP (and mana) bars of width `w` at fractions as known; `lost`: the
        share of HP just lost, shown fading; `dim`: values as last seen."""
        fill = _dim if dim else (lambda c: c)
        pygame.draw.rect(surface, (60, 10, 10), (x, y, w, 3))
        if lost:
            pygame.draw.rect(surface, fill(STRIKE), (x, y, int(w * min(hp + lost, 1.0)), 3))
        pygame.draw.rect(surface, fill((40, 220, 40)), (x, y, int(w * hp), 3))
        if mana is not None:
            pygame.draw.rect(surface, (20, 20, 60), (x, y + 3, w, 2))
            pygame.draw.rect(surface, fill((70, 120, 250)), (x, y + 3, int(w * mana), 2))

    def scoreboard_rows(self, g: int, team: int) -> list[ScoreRow]:
        """The ten heroes' lines as team `team` knows them (-1: all-seeing).
        Kills, deaths and respawns are public; an enemy's gold is '?', and its
        level, items, HP and mana are those of its last sighting, greyed, with
        how long ago."""
        s = self.env.state
        tick = int(s.gi[g, F.TICK])
        known = self._known(g, team) if team >= 0 else None
        rows = []
        for h in range(NUM_HEROES):
            hi, alive = s.hi[g, h], s.ui[g, h, F.ALIVE] == 1
            name = HEROES[int(hi[F.HERO_ID])].name.replace("_", " ")
            kda = f"{hi[F.KILLS]}/{hi[F.DEATHS]}/{hi[F.ASSISTS]}"
            note = "" if alive else f"respawn {hi[F.RESPAWN] // TICKS_PER_SECOND}s"
            colour = TEAM_COLOURS[h // HEROES_PER_TEAM] if alive else GREY
            greyed = not alive
            if known is None or h // HEROES_PER_TEAM == team:
                level, inv, uf, gold = hi[F.LEVEL], s.inv[g, h], s.uf[g, h], f"{s.hf[g, h, F.GOLD]:.0f}"
            elif known.seen[h] < 0:
                rows.append(ScoreRow((name, "?", kda, "?"), "not seen yet", note, None, None, GREY, True))
                continue
            else:
                level, inv, uf, gold = known.hi[h, F.LEVEL], known.inv[h], known.uf[h], "?"
                if known.seen[h] < tick:
                    colour, greyed = _dim(colour), True
                    if alive:
                        note = f"seen {(tick - known.seen[h]) // TICKS_PER_SECOND}s ago"
            items = ", ".join(ITEMS[i].name.replace("_", " ") for i in inv[:, F.INV_ITEM] if i >= 0)
            rows.append(ScoreRow((name, str(level), kda, gold), items or "-", note,
                                 float(uf[F.HP] / max(uf[F.MAX_HP], 1e-6)),
                                 float(uf[F.MANA] / max(uf[F.MAX_MANA], 1e-6)), colour, greyed))
        return rows

    def _scoreboard(self, surface, g, team) -> None:
        r = self.layout.scoreboard
        x0 = r.x + 10
        row_h = min(56, (r.h - 48) // NUM_HEROES)
        for text, dx in zip(("hero", "lvl", "K/D/A", "gold"), SCORE_COLUMNS):
            surface.blit(self.big.render(text, True, TEXT), (x0 + dx, r.y + 10))
        for h, row in enumerate(self.scoreboard_rows(g, team)):
            y = r.y + 36 + h * row_h + (12 if h >= HEROES_PER_TEAM else 0)
            for text, dx in zip(row.texts, SCORE_COLUMNS):
                surface.blit(self.font.render(text, True, row.colour), (x0 + dx, y))
            if row_h >= 48:  # room for the items' line
                surface.blit(self.font.render(row.items, True, (170, 170, 170)), (x0, y + 16))
            bars = y + (32 if row_h >= 48 else 16)
            if row.hp is not None:
                self._bars(surface, x0, bars, 120, row.hp, row.mana, dim=row.greyed)
            if row.note:
                surface.blit(self.font.render(row.note, True, row.colour), (x0 + 140, bars))

    def timeline_rect(self) -> pygame.Rect:
        b = self.layout.bottom
        return pygame.Rect(b.x + 10, b.y + 10, b.w - 20, 14)

    def _timeline(self, surface, step: int, steps: int, keyframes, win) -> None:
        bar = self.timeline_rect()
        pygame.draw.rect(surface, (60, 60, 70), bar)
        pygame.draw.rect(surface, (150, 150, 200), (bar.x, bar.y, int(bar.w * step / max(steps, 1)), bar.h))
        for k in keyframes:
            x = bar.x + int(bar.w * k / max(steps, 1))
            pygame.draw.line(surface, (200, 200, 200), (x, bar.y + bar.h - 4), (x, bar.y + bar.h))
        if win is None or not np.isfinite(win).any():
            return
        graph = pygame.Rect(bar.x, bar.bottom + 6, bar.w, BOTTOM - 36)
        pygame.draw.rect(surface, (34, 36, 42), graph)
        pygame.draw.line(surface, (90, 90, 90), (graph.x, graph.centery), (graph.right, graph.centery))
        # P(Radiant wins) as each side's network sees it: Radiant's own, and one minus Dire's.
        readings = []
        for team, p in enumerate((win[: step + 1, 0], 1.0 - win[: step + 1, 1])):
            if not np.isfinite(p).any():
                continue
            readings.append(f"{('Radiant', 'Dire')[team]}'s {p[-1]:.0%}" if np.isfinite(p[-1]) else "")
            xs = graph.x + np.arange(len(p)) * graph.w / max(steps - 1, 1)
            ys = graph.bottom - np.nan_to_num(p, nan=0.5) * graph.h
            if len(p) > 1:
                pygame.draw.lines(surface, TEAM_COLOURS[team], False, list(zip(xs.tolist(), ys.tolist())), 2)
        label = "P(Radiant wins), by " + ", ".join(r for r in readings if r)
        surface.blit(self.font.render(label, True, TEXT), (graph.x + 4, graph.y + 2))

    def to_world(self, pos: tuple[int, int], g: int, view: View) -> tuple[float, float]:
        """The map point under a pixel of the map area."""
        origin, scale = self.camera(view, g)
        r = self.layout.map
        return origin[0] + (pos[0] - r.x) / scale, origin[1] + (r.bottom - pos[1]) / scale

    def minimap_rect(self) -> pygame.Rect:
        return self.layout.minimap

    def minimap_point(self, pos: tuple[int, int]) -> tuple[float, float]:
        r, size = self.minimap_rect(), self.env.map.size
        return (pos[0] - r.x) / r.w * size, (r.bottom - pos[1]) / r.h * size

    def draw_minimap(self, surface: pygame.Surface, g: int, view: View) -> None:
        """The whole map in a corner, under the view's fog, with the units the
        view may see and the camera's frame."""
        r, s, size = self.minimap_rect(), self.env.state, self.env.map.size
        surface.blit(pygame.transform.scale(self.terrain, r.size), r.topleft)
        team = VIEWS.index(view.fog) - 1
        xy = self.positions(g)

        def to_px(x, y):
            return r.x + int(x / size * r.w), r.bottom - int(y / size * r.h)

        if team >= 0:
            self._fog(surface, r, g, team, to_px, r.w / size)
        for u in np.flatnonzero(self._shown(g, team)):
            hero = s.ui[g, u, F.KIND] == KIND_HERO
            pygame.draw.circle(surface, TEAM_COLOURS[int(s.ui[g, u, F.TEAM])], to_px(*xy[u]), 3 if hero else 1)
        origin, scale = self.camera(view, g)
        area = self.layout.map
        left, top = to_px(origin[0], origin[1] + area.h / scale)
        right, bottom = to_px(origin[0] + area.w / scale, origin[1])
        pygame.draw.rect(surface, (240, 240, 240), pygame.Rect(left, top, right - left, bottom - top).clip(r), 1)
        pygame.draw.rect(surface, (10, 10, 10), r, 1)

    def unit_at(self, pos: tuple[int, int], g: int, view: View) -> int:
        """The unit slot under the mouse among those the view shows, -1 for none."""
        origin, scale = self.camera(view, g)
        xy = self.positions(g)
        best, best_d = -1, 12.0
        for u in np.flatnonzero(self._shown(g, VIEWS.index(view.fog) - 1)):
            x, y = self.to_px(*xy[u], origin, scale)
            d = math.hypot(x - pos[0], y - pos[1])
            if d < best_d:
                best, best_d = int(u), d
        return best

    def describe(self, g: int, u: int) -> str:
        """A unit's tooltip. Only units the view shows are hovered, so what it
        says is what their viewer sees now."""
        s = self.env.state
        hp = f"HP {s.uf[g, u, F.HP]:.0f}/{s.uf[g, u, F.MAX_HP]:.0f}"
        if s.ui[g, u, F.KIND] != KIND_HERO:
            return f"{('Radiant', 'Dire')[s.ui[g, u, F.TEAM]]} {KIND_NAMES[int(s.ui[g, u, F.KIND])]}  {hp}"
        name = HEROES[int(s.hi[g, u, F.HERO_ID])].name.replace("_", " ")
        return (f"{name}  level {s.hi[g, u, F.LEVEL]}  {hp}  "
                f"mana {s.uf[g, u, F.MANA]:.0f}/{s.uf[g, u, F.MAX_MANA]:.0f}")

    def tooltip(self, surface: pygame.Surface, pos: tuple[int, int], g: int, view: View) -> None:
        """The tooltip of the unit under the mouse, if the map shows one there."""
        u = self.unit_at(pos, g, view) if self.layout.map.collidepoint(pos) else -1
        if u < 0:
            return
        text = self.font.render(self.describe(g, u), True, (255, 255, 160))
        box = text.get_rect(topleft=(pos[0] + 12, pos[1] + 8)).inflate(8, 6)
        box.clamp_ip(self.layout.map)
        pygame.draw.rect(surface, PANEL, box)
        surface.blit(text, (box.x + 4, box.y + 3))

    def draw_notes(self, surface: pygame.Surface, lines: list[str], colour=(255, 255, 200)) -> None:
        """Lines of help and messages under the scoreboard, wrapped at words;
        what does not fit is cut off, so put the most important first."""
        r = self.layout.notes
        surface.set_clip(r)
        y = r.y + 4
        for text in lines:
            line = ""
            for word in text.split(" "):
                wider = f"{line} {word}" if line else word
                if line and self.font.size(wider)[0] > r.w - 16:
                    surface.blit(self.font.render(line, True, colour), (r.x + 10, y))
                    y, wider = y + 16, word
                line = wider
            surface.blit(self.font.render(line, True, colour), (r.x + 10, y))
            y += 18
        surface.set_clip(None)

    def hero_bar(self, g: int, h: int) -> list[BarSlot]:
        """Hero h's four abilities, then its six item slots, as its bar shows them."""
        s, w = self.env.state, self.env.world
        tick = s.gi[g, F.TICK]
        slots = []
        for src in range(NUM_ABILITIES + INVENTORY_SLOTS):
            if src < NUM_ABILITIES:
                ab = int(w.hero_abil[s.hi[g, h, F.HERO_ID], src])
                key, name, level = CAST_KEYS[src], ABILITIES[ab].name, int(s.abil[g, h, src, F.ABIL_LEVEL])
                ready_at, charges = s.abil[g, h, src, F.ABIL_READY], 0
            else:
                slot = src - NUM_ABILITIES
                item = int(s.inv[g, h, slot, F.INV_ITEM])
                ab = int(w.item_tab[item, F.IT_ACTIVE]) if item >= 0 else -1
                key, name, level = ITEM_KEYS[slot], ITEMS[item].name if item >= 0 else "", 1
                ready_at, charges = s.inv[g, h, slot, F.INV_READY], int(s.inv[g, h, slot, F.INV_CHARGES])
            lvl = max(level, 1) - 1
            whole = w.abil_cd[ab, lvl] if ab >= 0 else 0
            left = max(float(ready_at - tick), 0.0) if ab >= 0 else 0.0
            slots.append(BarSlot(key, name.replace("_", " "), level, left / TICKS_PER_SECOND,
                                 left / whole if whole > 0 else 0.0, float(w.abil_mana[ab, lvl]) if ab >= 0 else 0.0,
                                 ab >= 0 and castable(s, w, g, h, src)[0] >= 0,
                                 ab < 0 or w.abil_tab[ab, F.AB_TARGET] == TARGET_PASSIVE, charges))
        return slots

    def draw_hero_bar(self, surface: pygame.Surface, g: int, h: int) -> None:
        """Hero h's level, HP and mana, then its abilities and items in the
        bottom bar: the key, the level's pips, the mana cost, the cooldown as a
        shade falling away with the seconds left; greyed when not castable."""
        s, b = self.env.state, self.layout.bottom
        surface.set_clip(b)
        name = HEROES[int(s.hi[g, h, F.HERO_ID])].name.replace("_", " ")
        title = f"{name}  level {s.hi[g, h, F.LEVEL]}"
        surface.blit(self.big.render(title, True, TEAM_COLOURS[h // HEROES_PER_TEAM]), (b.x + 10, b.y + 8))
        surface.blit(self.small.render(f"gold {s.hf[g, h, F.GOLD]:.0f}", True, (230, 200, 90)), (b.x + 10, b.y + 75))
        for i, (now, most, colour) in enumerate(((s.uf[g, h, F.HP], s.uf[g, h, F.MAX_HP], (40, 220, 40)),
                                                  (s.uf[g, h, F.MANA], s.uf[g, h, F.MAX_MANA], (70, 120, 250)))):
            y = b.y + 34 + 22 * i
            pygame.draw.rect(surface, (40, 40, 48), (b.x + 10, y, 150, 16))
            pygame.draw.rect(surface, colour, (b.x + 10, y, int(150 * now / max(most, 1e-6)), 16))
            surface.blit(self.small.render(f"{now:.0f} / {most:.0f}", True, TEXT), (b.x + 50, y + 3))
        x = b.x + 175
        for i, slot in enumerate(self.hero_bar(g, h)):
            side = 50 if i < NUM_ABILITIES else 42
            box = pygame.Rect(x, b.y + 8, side, side)
            x += side + (16 if i == NUM_ABILITIES - 1 else 6)
            self._bar_slot(surface, box, slot, i < NUM_ABILITIES)
        surface.set_clip(None)

    def _bar_slot(self, surface, box: pygame.Rect, slot: BarSlot, ability: bool) -> None:
        learned = bool(slot.name) and slot.level > 0
        pygame.draw.rect(surface, (58, 62, 72) if slot.ready or (slot.passive and learned) else (36, 38, 44), box)
        words = slot.name.split()
        surface.set_clip(box.clip(self.layout.bottom))  # a long name is cut at the box's edge
        for j, line in enumerate((" ".join(words[:1]), " ".join(words[1:]))):
            colour = TEXT if learned else GREY
            surface.blit(self.small.render(line, True, colour), (box.x + 3, box.y + 14 + 11 * j))
        surface.set_clip(self.layout.bottom)
        if slot.cooldown > 0:
            shade = pygame.Surface((box.w, int(box.h * min(slot.cooldown_share, 1.0))), pygame.SRCALPHA)
            shade.fill((0, 0, 0, 170))
            surface.blit(shade, (box.x, box.bottom - shade.get_height()))
            secs = self.big.render(f"{math.ceil(slot.cooldown)}", True, (255, 255, 255))
            surface.blit(secs, secs.get_rect(center=box.center))
        surface.blit(self.small.render(slot.key, True, (255, 230, 120)), (box.x + 3, box.y + 2))
        if slot.mana > 0:
            cost = self.small.render(f"{slot.mana:.0f}", True, (120, 170, 255))
            surface.blit(cost, (box.right - cost.get_width() - 2, box.bottom - 11))
        if slot.charges > 1:
            surface.blit(self.small.render(f"x{slot.charges}", True, TEXT), (box.right - 16, box.y + 2))
        if ability:
            for p in range(slot.level):
                pygame.draw.rect(surface, (255, 210, 90), (box.x + 2 + 8 * p, box.bottom + 3, 6, 4))
        pygame.draw.rect(surface, (255, 230, 120) if slot.ready else (80, 80, 90), box, 1)


def _low_edge(centre: float, span: float, size: float) -> float:
    """The low edge of a window `span` wide around `centre`, kept on a map
    `size` wide (centred on it when wider)."""
    if span >= size:
        return (size - span) / 2
    return min(max(centre - span / 2, 0.0), size - span)


def _dim(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """A colour greyed, for what is known only as last seen."""
    return tuple(int(0.45 * c + 0.55 * 110) for c in colour)
