"""Drawing a game with pygame: the map, units, fog, scoreboard, timeline and
win-probability graph. `Renderer.draw` paints one game of a `BatchEnv` onto a
surface; the viewer (`moba.watch`) and the headless `moba render` share it.
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass

import numpy as np
import pygame

from engine import BatchEnv
from engine import fields as F
from engine import rules
from engine.abilities import TARGET_POINT, TARGET_UNIT
from engine.constants import (
    KIND_ANCIENT,
    KIND_BARRACKS,
    KIND_FOUNTAIN,
    KIND_HERO,
    KIND_TOWER,
    ORDER_CAST,
    TICKS_PER_SECOND,
)
from engine.mapgen import (
    TERRAIN_BASE,
    TERRAIN_GROUND,
    TERRAIN_LANE,
    TERRAIN_RIVER,
    TERRAIN_TREES,
)
from engine.tables import HEROES, ITEMS

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
VIEWS = ("all", "radiant", "dire")
SIDE = 300  # scoreboard width
BOTTOM = 90  # timeline and graph height


@dataclass
class View:
    fog: str = "all"  # whose vision: all, radiant, dire
    follow: int = -1  # hero slot the camera follows, -1 none
    zoom: float = 1.0
    center: tuple[float, float] | None = None  # where the camera looks when not following


def win_probability(values: np.ndarray) -> np.ndarray:
    """A win-probability reading of each team's value estimate [T, 2]: the
    logistic of their difference in units of the win reward (5)."""
    return 1.0 / (1.0 + np.exp(-(values[:, 0] - values[:, 1]) / 5.0 * 4.0))


class Renderer:
    def __init__(self, env: BatchEnv, map_px: int = 720):
        pygame.font.init()
        self.env, self.map_px = env, map_px
        self.size = (map_px + SIDE, map_px + BOTTOM)
        self.font = pygame.font.Font(None, 18)
        self.big = pygame.font.Font(None, 24)
        terrain = env.map.terrain
        rgb = np.zeros(terrain.shape + (3,), np.uint8)
        for t, colour in TERRAIN_COLOURS.items():
            rgb[terrain == t] = colour
        # rows are y upwards; pygame's rows go down, and surfarray wants [x, y]
        self.terrain = pygame.surfarray.make_surface(np.ascontiguousarray(rgb[::-1].transpose(1, 0, 2)))

    def to_px(self, x: float, y: float, origin: tuple[float, float], scale: float) -> tuple[int, int]:
        return (int((x - origin[0]) * scale), int(self.map_px - (y - origin[1]) * scale))

    def camera(self, view: View, g: int) -> tuple[tuple[float, float], float]:
        size = self.env.map.size
        span = size / max(view.zoom, 1.0)
        if view.follow >= 0:
            cx, cy = self.env.state.uf[g, view.follow, F.X], self.env.state.uf[g, view.follow, F.Y]
        else:
            cx, cy = view.center or (size / 2, size / 2)
        ox = min(max(cx - span / 2, 0.0), size - span)
        oy = min(max(cy - span / 2, 0.0), size - span)
        return (ox, oy), self.map_px / span

    def draw(self, surface: pygame.Surface, g: int = 0, view: View | None = None, timeline: tuple | None = None,
             values: np.ndarray | None = None) -> None:
        """Paint game `g`. `timeline` = (step, steps, keyframe steps); `values`
        [steps, 2] draws the win-probability graph up to `step`."""
        view = view or View()
        s = self.env.state
        surface.fill(PANEL)
        surface.set_clip(pygame.Rect(0, 0, self.map_px, self.map_px))  # units near the edge stay on the map
        origin, scale = self.camera(view, g)
        size = self.env.map.size
        full = self.terrain.get_width() / size
        src = pygame.Rect(int(origin[0] * full), int((size - origin[1]) * full - self.map_px / scale * full),
                          int(self.map_px / scale * full), int(self.map_px / scale * full))
        surface.blit(pygame.transform.scale(self.terrain.subsurface(src.clip(self.terrain.get_rect())),
                                            (self.map_px, self.map_px)), (0, 0))
        team = VIEWS.index(view.fog) - 1  # -1: all-seeing
        if team >= 0:
            self._fog(surface, g, team, origin, scale)
        self._units(surface, g, team, origin, scale)
        if view.zoom > 1.0:
            self.draw_minimap(surface, g, view)
        surface.set_clip(None)
        self._scoreboard(surface, g)
        if timeline is not None:
            self._timeline(surface, *timeline, values)
        tick = int(s.gi[g, F.TICK])
        clock = f"{tick // TICKS_PER_SECOND // 60:02d}:{tick // TICKS_PER_SECOND % 60:02d}"
        score = f"{s.gi[g, F.SCORE]} - {s.gi[g, F.SCORE + 1]}"
        label = self.big.render(f"{clock}   Radiant {score} Dire   view: {view.fog}", True, TEXT)
        surface.blit(label, (8, 6))

    def _fog(self, surface, g, team, origin, scale) -> None:
        s = self.env.state
        fog = pygame.Surface((self.map_px, self.map_px), pygame.SRCALPHA)
        fog.fill((0, 0, 0, 150))
        for u in np.flatnonzero((s.ui[g, :, F.ALIVE] == 1) & (s.ui[g, :, F.TEAM] == team)):
            r = int(s.uf[g, u, F.VISION] * scale)
            if r > 0:
                pygame.draw.circle(fog, (0, 0, 0, 0), self.to_px(s.uf[g, u, F.X], s.uf[g, u, F.Y], origin, scale), r)
        surface.blit(fog, (0, 0))

    def _units(self, surface, g, team, origin, scale) -> None:
        s = self.env.state
        k = 0.7 * math.sqrt(scale * self.env.map.size / self.map_px)  # unit sizes grow with the zoom
        alive = np.flatnonzero(s.ui[g, :, F.ALIVE] == 1)
        for u in alive:
            owner, kind = int(s.ui[g, u, F.TEAM]), int(s.ui[g, u, F.KIND])
            if team >= 0 and owner != team and not s.visible[g, team, u]:
                continue
            x, y = self.to_px(s.uf[g, u, F.X], s.uf[g, u, F.Y], origin, scale)
            target = int(s.ui[g, u, F.TARGET])
            if target >= 0 and s.ui[g, target, F.ALIVE] == 1:
                tx, ty = self.to_px(s.uf[g, target, F.X], s.uf[g, target, F.Y], origin, scale)
                pygame.draw.line(surface, (250, 230, 120), (x, y), (tx, ty), 1)
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
                self._bars(surface, g, u, x - r, y - r - 9, 2 * r, mana=True)
            elif kind in (KIND_TOWER, KIND_BARRACKS, KIND_ANCIENT, KIND_FOUNTAIN):
                half = max(3, int({KIND_TOWER: 7, KIND_BARRACKS: 6, KIND_ANCIENT: 12, KIND_FOUNTAIN: 10}[kind] * k))
                rect = pygame.Rect(x - half, y - half, 2 * half, 2 * half)
                pygame.draw.rect(surface, colour, rect)
                pygame.draw.rect(surface, (20, 20, 20), rect, 1)
                if kind != KIND_FOUNTAIN:
                    self._bars(surface, g, u, x - half, y - half - 5, 2 * half)
            else:
                pygame.draw.circle(surface, colour, (x, y), r)

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
            tx, ty = s.uf[g, v, F.X], s.uf[g, v, F.Y]
        elif aim == TARGET_POINT:
            tx, ty = s.uf[g, u, F.ORDER_X], s.uf[g, u, F.ORDER_Y]
        else:
            return
        pygame.draw.line(surface, CAST_COLOUR, (x, y), self.to_px(tx, ty, origin, scale), 2)

    def _bars(self, surface, g, u, x, y, w, mana: bool = False) -> None:
        s = self.env.state
        hp = s.uf[g, u, F.HP] / max(s.uf[g, u, F.MAX_HP], 1e-6)
        pygame.draw.rect(surface, (60, 10, 10), (x, y, w, 3))
        pygame.draw.rect(surface, (40, 220, 40), (x, y, int(w * hp), 3))
        if mana:
            m = s.uf[g, u, F.MANA] / max(s.uf[g, u, F.MAX_MANA], 1e-6)
            pygame.draw.rect(surface, (20, 20, 60), (x, y + 3, w, 2))
            pygame.draw.rect(surface, (70, 120, 250), (x, y + 3, int(w * m), 2))

    def _scoreboard(self, surface, g) -> None:
        s = self.env.state
        x0 = self.map_px + 10
        for text, dx in (("hero", 0), ("lvl", 112), ("K/D/A", 145), ("gold", 215)):
            surface.blit(self.big.render(text, True, TEXT), (x0 + dx, 10))
        for h in range(10):
            y = 36 + h * 56 + (12 if h >= 5 else 0)
            hi, alive = s.hi[g, h], s.ui[g, h, F.ALIVE] == 1
            colour = TEAM_COLOURS[h // 5] if alive else (120, 120, 120)
            name = HEROES[int(hi[F.HERO_ID])].name
            for text, dx in ((name.replace("_", " "), 0), (str(hi[F.LEVEL]), 116),
                             (f"{hi[F.KILLS]}/{hi[F.DEATHS]}/{hi[F.ASSISTS]}", 145), (str(int(s.hf[g, h, F.GOLD])), 215)):
                surface.blit(self.font.render(text, True, colour), (x0 + dx, y))
            if not alive:
                surface.blit(self.font.render(f"respawn {hi[F.RESPAWN] // TICKS_PER_SECOND}s", True, colour),
                             (x0 + 140, y + 32))
            items = [ITEMS[i].name.replace("_", " ") for i in s.inv[g, h, :, F.INV_ITEM] if i >= 0]
            surface.blit(self.font.render(", ".join(items) or "-", True, (170, 170, 170)), (x0, y + 16))
            self._bars(surface, g, h, x0, y + 32, 120, mana=True)

    def timeline_rect(self) -> pygame.Rect:
        return pygame.Rect(10, self.map_px + 10, self.map_px - 20, 14)

    def _timeline(self, surface, step: int, steps: int, keyframes, values) -> None:
        bar = self.timeline_rect()
        pygame.draw.rect(surface, (60, 60, 70), bar)
        pygame.draw.rect(surface, (150, 150, 200), (bar.x, bar.y, int(bar.w * step / max(steps, 1)), bar.h))
        for k in keyframes:
            x = bar.x + int(bar.w * k / max(steps, 1))
            pygame.draw.line(surface, (200, 200, 200), (x, bar.y + bar.h - 4), (x, bar.y + bar.h))
        if values is None or len(values) == 0:
            return
        graph = pygame.Rect(bar.x, bar.bottom + 6, bar.w, BOTTOM - 36)
        pygame.draw.rect(surface, (34, 36, 42), graph)
        pygame.draw.line(surface, (90, 90, 90), (graph.x, graph.centery), (graph.right, graph.centery))
        p = win_probability(values[: step + 1])
        if len(p) > 1:
            xs = graph.x + np.arange(len(p)) * graph.w / max(steps - 1, 1)
            ys = graph.bottom - p * graph.h
            pygame.draw.lines(surface, TEAM_COLOURS[0], False, list(zip(xs.tolist(), ys.tolist())), 2)
        surface.blit(self.font.render(f"Radiant win probability {p[-1]:.0%}", True, TEXT), (graph.x + 4, graph.y + 2))

    def to_world(self, pos: tuple[int, int], g: int, view: View) -> tuple[float, float]:
        """The map point under a pixel of the map area."""
        origin, scale = self.camera(view, g)
        return origin[0] + pos[0] / scale, origin[1] + (self.map_px - pos[1]) / scale

    def minimap_rect(self) -> pygame.Rect:
        side = self.map_px // 4
        return pygame.Rect(self.map_px - side - 6, self.map_px - side - 6, side, side)

    def minimap_point(self, pos: tuple[int, int]) -> tuple[float, float]:
        r, size = self.minimap_rect(), self.env.map.size
        return (pos[0] - r.x) / r.w * size, (r.bottom - pos[1]) / r.h * size

    def draw_minimap(self, surface: pygame.Surface, g: int, view: View) -> None:
        """The whole map in a corner, with the units the view may see and the camera's frame."""
        r, s, size = self.minimap_rect(), self.env.state, self.env.map.size
        surface.blit(pygame.transform.scale(self.terrain, r.size), r.topleft)
        team = VIEWS.index(view.fog) - 1
        for u in np.flatnonzero(s.ui[g, :, F.ALIVE] == 1):
            owner = int(s.ui[g, u, F.TEAM])
            if team >= 0 and owner != team and not s.visible[g, team, u]:
                continue
            p = (r.x + int(s.uf[g, u, F.X] / size * r.w), r.bottom - int(s.uf[g, u, F.Y] / size * r.h))
            pygame.draw.circle(surface, TEAM_COLOURS[owner], p, 3 if s.ui[g, u, F.KIND] == KIND_HERO else 1)
        origin, scale = self.camera(view, g)
        span = self.map_px / scale / size
        frame = pygame.Rect(r.x + int(origin[0] / size * r.w), r.bottom - int((origin[1] / size + span) * r.h),
                            int(span * r.w), int(span * r.h))
        pygame.draw.rect(surface, (240, 240, 240), frame, 1)
        pygame.draw.rect(surface, (10, 10, 10), r, 1)

    def unit_at(self, pos: tuple[int, int], g: int, view: View) -> int:
        """The unit slot under the mouse, -1 for none."""
        origin, scale = self.camera(view, g)
        s = self.env.state
        best, best_d = -1, 12.0
        for u in np.flatnonzero(s.ui[g, :, F.ALIVE] == 1):
            x, y = self.to_px(s.uf[g, u, F.X], s.uf[g, u, F.Y], origin, scale)
            d = math.hypot(x - pos[0], y - pos[1])
            if d < best_d:
                best, best_d = int(u), d
        return best
