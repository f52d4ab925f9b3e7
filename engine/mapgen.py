"""The map: walkable grid, terrain for drawing, lane paths and building spots.

Built once per config from the fractional layouts in `engine.tables`. Radiant
owns the bottom-left corner; Dire's half is the point reflection of Radiant's,
so neither side has a better map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.constants import NUM_LANES
from engine.tables import BUILDINGS, LANE_PATHS, TREE_CLUMPS

TERRAIN_GROUND = 0
TERRAIN_TREES = 1
TERRAIN_RIVER = 2
TERRAIN_LANE = 3
TERRAIN_BASE = 4

RIVER_HALF_WIDTH = 0.035  # map fractions, around the anti-diagonal
BASE_RADIUS = 0.22


@dataclass(frozen=True)
class GameMap:
    size: float
    cell: float
    terrain: np.ndarray  # [cells, cells] uint8, row = y
    walkable: np.ndarray  # [cells, cells] uint8
    lane_paths: np.ndarray  # [team, lane, waypoint, xy] float32, own base to enemy base
    lane_lengths: np.ndarray  # [team, lane] int32: waypoints used
    building_xy: np.ndarray  # [team, building, xy] float32


def reflect(points: np.ndarray) -> np.ndarray:
    """Radiant's map fractions to Dire's: the point reflection through the centre."""
    return 1.0 - points


def _segment_distance(px, py, ax, ay, bx, by):
    abx, aby = bx - ax, by - ay
    t = ((px - ax) * abx + (py - ay) * aby) / max(abx * abx + aby * aby, 1e-12)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(px - (ax + t * abx), py - (ay + t * aby))


def build_map(size: float, cell: float, lane_width: float) -> GameMap:
    n = int(round(size / cell))
    centres = (np.arange(n) + 0.5) / n
    fx, fy = np.meshgrid(centres, centres)  # fractions; fy varies along rows
    terrain = np.full((n, n), TERRAIN_GROUND, np.uint8)

    for cx, cy, w, h in TREE_CLUMPS:
        for ox, oy in ((cx, cy), (1.0 - cx, 1.0 - cy)):
            inside = (np.abs(fx - ox) <= w / 2) & (np.abs(fy - oy) <= h / 2)
            terrain[inside] = TERRAIN_TREES

    river = np.abs(fx + fy - 1.0) < RIVER_HALF_WIDTH * np.sqrt(2.0)
    terrain[river] = TERRAIN_RIVER

    half_lane = lane_width / 2 / size
    radiant_paths = [np.array(p, np.float64) for p in LANE_PATHS]
    for path in radiant_paths:
        for pts in (path, reflect(path)):
            for a, b in zip(pts[:-1], pts[1:]):
                near = _segment_distance(fx, fy, a[0], a[1], b[0], b[1]) <= half_lane
                terrain[near & (terrain != TERRAIN_RIVER)] = TERRAIN_LANE
                terrain[near & (terrain == TERRAIN_RIVER)] = TERRAIN_RIVER

    for bx, by in ((0.0, 0.0), (1.0, 1.0)):
        terrain[np.hypot(fx - bx, fy - by) <= BASE_RADIUS] = TERRAIN_BASE

    walkable = (terrain != TERRAIN_TREES).astype(np.uint8)

    max_wp = max(len(p) for p in LANE_PATHS)
    paths = np.zeros((2, NUM_LANES, max_wp, 2), np.float32)
    lengths = np.zeros((2, NUM_LANES), np.int32)
    for lane, path in enumerate(radiant_paths):
        paths[0, lane, : len(path)] = path * size
        lengths[0, lane] = len(path)
        # Dire's lane `lane` is the same strip of ground walked the other way,
        # the reflection of Radiant's opposite lane (top <-> bot).
        mirror = reflect(radiant_paths[NUM_LANES - 1 - lane])
        paths[1, lane, : len(mirror)] = mirror * size
        lengths[1, lane] = len(mirror)

    xy = np.array([(b.x, b.y) for b in BUILDINGS], np.float64)
    building_xy = np.zeros((2, len(BUILDINGS), 2), np.float32)
    building_xy[0] = xy * size
    building_xy[1] = reflect(xy[MIRROR_BUILDING]) * size
    return GameMap(size, cell, terrain, walkable, paths, lengths, building_xy)


def _mirror_building(i: int) -> int:
    name = BUILDINGS[i].name
    swap = {"top": "bot", "bot": "top"}
    head, _, rest = name.partition("_")
    if head in swap:
        name = f"{swap[head]}_{rest}"
    elif name in ("t4_a", "t4_b"):
        name = "t4_b" if name == "t4_a" else "t4_a"
    return next(j for j, b in enumerate(BUILDINGS) if b.name == name)


# Dire's building `b` on lane L mirrors Radiant's on the opposite lane: it
# stands at the reflection of Radiant's building MIRROR_BUILDING[b] (and the
# pairing is its own inverse).
MIRROR_BUILDING = np.array([_mirror_building(i) for i in range(len(BUILDINGS))], np.int64)
