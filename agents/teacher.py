"""The scripted bot's help to a network, in one place.

- Labels (kickstarting, Schmitt et al. 2018): in every position a network
  hero reaches, the bot says what it would do there; the learner's loss adds
  the cross-entropy of its policy to that action (`agents.ppo`), weighted by
  `kickstart_coef` falling to zero over `kickstart_steps`. The teacher is the
  bot with its heroes grouping mid after `group_minute` (8): grouping then,
  it beats the bot as it plays (grouping after 5) in three games of four.
- Shopping (as OpenAI Five's heroes bought their items by script): in the
  shop a network hero buys its build's next item where the bot would, in
  place of the network's action of that decision, and the network's masks
  allow no other purchase.

A `PolicyAgent` wears a teacher to shop by script (`PolicyAgent(...,
teacher=Teacher(...))`); the training rollout asks the same object for the
labels of the learner's heroes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.policy import Inputs
from agents.schedule import linear
from agents.scripted import ScriptedAgent
from engine.config import Settings, setting
from engine.constants import ACT_BUY, HEAD_ITEM, HEAD_TYPE, HEROES_PER_TEAM
from engine.env import BatchEnv, Step


@dataclass(frozen=True)
class TeacherConfig(Settings):
    section = "teacher"

    kickstart_coef: float = setting(10.0, 0.0, 100.0,
                                    "weight of imitating the teacher's choice in the learner's own positions, "
                                    "at the start (kickstarting; 0: reinforcement learning alone)")
    # Held near full weight through a CPU hour: with the balance and scripted
    # purchases, the best hour measured against the bot (BENCHMARKS.md).
    kickstart_steps: int = setting(200_000_000, 1, 1 << 50,
                                   "hero decisions trained on over which that weight falls linearly to 0")
    kickstart_balance: float = setting(0.5, 0.0, 1.0,
                                       "each imitated decision weighs (share of its action type among the "
                                       "minibatch's labels, at least 1%) to minus this power: 0 weighs all "
                                       "alike, 0.5 lifts rare casts and purchases")
    group_minute: float = setting(8.0, 0.0, 1e4,
                                  "the teacher is the scripted bot with its heroes grouping mid after this "
                                  "many game minutes (the scripted opponent groups after 5)")
    scripted_purchases: bool = setting(True, None, None,
                                       "network heroes buy their build's next item by script when in the shop, "
                                       "as OpenAI Five's did, in place of the network's action of that "
                                       "decision; the network may buy nothing else")

    def kickstart_weight(self, hero_steps: int) -> float:
        """The imitation loss's weight after `hero_steps` decisions trained on."""
        return linear(self.kickstart_coef, 0.0, hero_steps / self.kickstart_steps)


class Teacher:
    """The scripted bot's choices for every hero (one kernel call per team),
    and what the network may buy given them."""

    def __init__(self, cfg: TeacherConfig):
        self.cfg = cfg
        self.bot = ScriptedAgent(cfg.group_minute)

    def advise(self, env: BatchEnv, step: Step, group_minute: np.ndarray | None = None) -> np.ndarray:
        """The bot's action [G, 10, heads] for every hero; `group_minute` [G,
        2], if given, is each game's grouping time per team (the scripted
        opponent's heroes keep their own), else the teacher's."""
        return np.concatenate([self.bot.act(env, step, team, None if group_minute is None else group_minute[:, team])
                               for team in (0, 1)], axis=1)

    def purchases(self, env: BatchEnv, team: int) -> np.ndarray:
        """The bot's purchases [G, 5, heads] for `team`'s heroes (ACT_NOOP
        where it would not buy): all `restrict` and `shop` read."""
        return self.bot.purchases(env, team)

    def restrict(self, x: Inputs, advice: np.ndarray) -> Inputs:
        """Masks of the heroes of `x` (whose bot actions are `advice` [B,
        heads]) under scripted purchases: buy only what the bot buys there."""
        if not self.cfg.scripted_purchases:
            return x
        buy = advice[:, HEAD_TYPE] == ACT_BUY
        mask_type = x.mask_type.copy()
        mask_type[:, ACT_BUY] &= buy
        mask_item = x.mask_item & buy[:, None] & (np.arange(x.mask_item.shape[1]) == advice[:, HEAD_ITEM, None])
        return x._replace(mask_type=mask_type, mask_item=mask_item)

    def shop(self, actions: np.ndarray, advice: np.ndarray, heroes: np.ndarray | None = None) -> np.ndarray:
        """`actions` [..., heads] with the bot's purchase in place wherever it
        would buy (for the heroes of `heroes`, a mask over the leading axes;
        all without it). The rollout keeps the network's own choice."""
        if not self.cfg.scripted_purchases:
            return actions
        buy = advice[..., HEAD_TYPE] == ACT_BUY
        if heroes is not None:
            buy &= heroes
        return np.where(buy[..., None], advice, actions)

    def state(self) -> dict[str, Any]:
        """The bot's memory (each hero's place in its build, retreating)."""
        return {"retreat": self.bot.retreat, "build_pos": self.bot.build_pos} if self.bot.memory_allocated else {}

    def restore(self, state: dict[str, Any], num_games: int) -> None:
        if state:
            retreat, build_pos = self.bot.memory(num_games)
            np.copyto(retreat, state["retreat"])
            np.copyto(build_pos, state["build_pos"])


def team_rows(team: int) -> np.ndarray:
    """Hero indices of a team's five."""
    return team * HEROES_PER_TEAM + np.arange(HEROES_PER_TEAM)
