"""A person's hero: Dota-like inputs turned into the engine's factored action.

The controller keeps the person's intent (walk to a point, attack a unit,
cast at a target) and turns it into a legal action at every decision, the
way a bot's action would be: a move is an anchor unit of the team's observed
list plus a 9x9 offset, so a far destination is approached in steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import BatchEnv
from engine import fields as F
from engine.abilities import TARGET_NONE
from engine.constants import (
    ACT_ATTACK,
    ACT_BUY,
    ACT_BUYBACK,
    ACT_CAST1,
    ACT_ITEM1,
    ACT_MOVE,
    ACT_NOOP,
    ACT_STOP,
    HEAD_ITEM,
    HEAD_OFFSET_X,
    HEAD_OFFSET_Y,
    HEAD_TARGET,
    HEAD_TYPE,
    NUM_HEADS,
    OFFSET_CENTER,
)
from engine.effects import castable

CAST_KEYS = "qwer"
ITEM_KEYS = "123456"


@dataclass
class Intent:
    kind: int = ACT_NOOP  # the action type to send
    unit: int = -1  # target unit slot (attack, unit-targeted cast or item)
    point: tuple[float, float] | None = None  # target point (move, point-targeted cast)
    item: int = 0  # item to buy
    once: bool = False  # sent at one decision, then back to idle


class HumanController:
    def __init__(self, env: BatchEnv, hero: int, g: int = 0):
        self.env, self.hero, self.g = env, hero, g
        self.team = hero // 5
        self.intent = Intent()
        self.armed: int | None = None  # a cast or item key waiting for its target click
        self.message = ""

    # --- inputs, in world coordinates

    def unit_near(self, x: float, y: float, radius: float = 150.0) -> int:
        """The visible living unit nearest to (x, y) within `radius`, -1 none."""
        s, g = self.env.state, self.g
        best, best_d = -1, radius
        for u in np.flatnonzero(s.ui[g, :, F.ALIVE] == 1):
            if s.ui[g, u, F.TEAM] != self.team and not s.visible[g, self.team, u]:
                continue
            d = float(np.hypot(s.uf[g, u, F.X] - x, s.uf[g, u, F.Y] - y))
            if d < best_d:
                best, best_d = int(u), d
        return best

    def right_click(self, x: float, y: float) -> None:
        """Attack an enemy clicked on, else walk there."""
        self.armed = None
        unit = self.unit_near(x, y)
        if unit >= 0 and self.env.state.ui[self.g, unit, F.TEAM] != self.team:
            self.intent = Intent(ACT_ATTACK, unit=unit)
        else:
            self.intent = Intent(ACT_MOVE, point=(x, y))

    def left_click(self, x: float, y: float) -> None:
        """The target of an armed cast or item."""
        if self.armed is None:
            return
        unit = self.unit_near(x, y)
        self.intent = Intent(self.armed, unit=unit, point=(x, y), once=True)
        self.armed = None

    def key(self, ch: str) -> None:
        """q w e r: cast (then click a target); 1-6: use an item (then click);
        s: stop; y: buy back."""
        if ch in CAST_KEYS:
            self._arm(ACT_CAST1 + CAST_KEYS.index(ch))
        elif ch in ITEM_KEYS:
            self._arm(ACT_ITEM1 + ITEM_KEYS.index(ch))
        elif ch == "s":
            self.intent, self.armed = Intent(ACT_STOP, once=True), None
        elif ch == "y":
            self.intent = Intent(ACT_BUYBACK, once=True)

    def buy(self, item: int) -> None:
        self.intent = Intent(ACT_BUY, item=item, once=True)

    def _arm(self, action_type: int) -> None:
        """Arm a cast or item for the next click; one without a target is
        cast at once."""
        if not self.env.state.mask_type[self.g, self.hero, action_type]:
            self.message = "not available now"
            return
        ab = castable(self.env.state, self.env.world, self.g, self.hero, action_type - ACT_CAST1)[0]
        if self.env.world.abil_tab[ab, F.AB_TARGET] == TARGET_NONE:
            self.intent, self.armed = Intent(action_type, unit=self.hero, once=True), None
        else:
            self.armed, self.message = action_type, "click a target"

    # --- the action at a decision

    def action(self) -> np.ndarray:
        """This decision's action [5] for the hero, always legal."""
        s, g, h = self.env.state, self.g, self.hero
        out = np.zeros(NUM_HEADS, np.int32)
        i = self.intent
        rows = s.team_units[g, self.team]
        if i.kind == ACT_ATTACK:
            if s.ui[g, i.unit, F.ALIVE] != 1 or i.unit not in rows:
                self.intent = Intent()  # dead or out of sight: the order ends
            else:
                out[HEAD_TARGET] = int(np.flatnonzero(rows == i.unit)[0])
        elif i.kind == ACT_MOVE or (i.kind >= ACT_CAST1 and i.unit < 0 and i.point is not None):
            self._point(out, rows, i.point)
            if i.kind == ACT_MOVE and np.hypot(s.uf[g, h, F.X] - i.point[0], s.uf[g, h, F.Y] - i.point[1]) < 50:
                self.intent = Intent()
        elif i.unit >= 0 and i.unit in rows:
            out[HEAD_TARGET] = int(np.flatnonzero(rows == i.unit)[0])
            out[HEAD_OFFSET_X] = out[HEAD_OFFSET_Y] = OFFSET_CENTER
        out[HEAD_TYPE] = self.intent.kind
        out[HEAD_ITEM] = i.item
        if self.intent.once:
            self.intent = Intent()
        if not self._legal(out):
            out[:] = 0  # noop
        return out

    def _point(self, out: np.ndarray, rows: np.ndarray, point: tuple[float, float]) -> None:
        """Anchor row and offset bins nearest to `point` (a far point: the
        nearest reachable spot toward it, from the hero itself)."""
        s, g = self.env.state, self.g
        step = self.env.config.offset_step
        valid = rows >= 0
        slots = rows[valid]
        pos = s.uf[g, slots][:, [F.X, F.Y]]
        bins = np.clip(np.round((np.asarray(point) - pos) / step), -OFFSET_CENTER, OFFSET_CENTER)
        miss = np.hypot(*(pos + bins * step - np.asarray(point)).T)
        if miss.min() > step:  # nothing near: head there from the hero itself
            me = int(np.flatnonzero(slots == self.hero)[0]) if self.hero in slots else int(miss.argmin())
            d = np.asarray(point) - pos[me]
            bins[me] = np.clip(np.round(d / max(np.abs(d).max(), 1e-6) * OFFSET_CENTER), -OFFSET_CENTER,
                               OFFSET_CENTER)
            best = me
        else:
            best = int(miss.argmin())
        out[HEAD_TARGET] = int(np.flatnonzero(valid)[best])
        out[HEAD_OFFSET_X], out[HEAD_OFFSET_Y] = (bins[best] + OFFSET_CENTER).astype(int)

    def _legal(self, a: np.ndarray) -> bool:
        s, g, h = self.env.state, self.g, self.hero
        typ = a[HEAD_TYPE]
        if not s.mask_type[g, h, typ]:
            return False
        if typ in (ACT_MOVE, ACT_ATTACK) or typ >= ACT_CAST1 and typ < ACT_BUY:
            return bool(s.mask_target[g, h, typ, a[HEAD_TARGET]])
        if typ == ACT_BUY:
            return bool(s.mask_item[g, h, a[HEAD_ITEM]])
        return True
