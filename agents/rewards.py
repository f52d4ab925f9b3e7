"""Reward shaping: engine events -> per-hero rewards.

The engine reports facts (`Step.events`, named by `engine.spec.EVENT_NAMES`);
which of them a policy is paid for is research, so it lives here, with the
weights in TOML (`agents/rewards.toml` is the default, OpenAI Five's table).

    rho_i = sum_e w_e * events_ie * decay          (decay spares win/loss)
    r_i   = (1 - tau) * rho_i + tau * mean(rho over i's team)   (team spirit)
    r_i  -= mean(r over the enemy team)                         (zero-sum)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.schedule import linear
from engine.config import ConfigError
from engine.constants import HEROES_PER_TEAM, TICKS_PER_SECOND
from engine.spec import EVENT_INDEX, EVENT_NAMES, NUM_EVENTS

DEFAULT_FILE = Path(__file__).parent / "rewards.toml"
MIXING = {"team_spirit": float, "team_spirit_end": float, "zero_sum": bool, "time_decay": float}
UNDECAYED = np.isin(np.arange(NUM_EVENTS), [EVENT_INDEX["win"], EVENT_INDEX["loss"]])


@dataclass(frozen=True)
class RewardConfig:
    weights: tuple[float, ...]  # one per event, in EVENT_NAMES order
    team_spirit: float
    team_spirit_end: float
    zero_sum: bool
    time_decay: float

    section = "rewards"

    @classmethod
    def from_dict(cls, overrides: dict[str, Any] | None = None) -> "RewardConfig":
        """The default table with `overrides` (event names or mixing keys) applied."""
        data = {**tomllib.loads(DEFAULT_FILE.read_text()), **(overrides or {})}
        for key, value in data.items():
            if key not in EVENT_INDEX and key not in MIXING:
                raise ConfigError(
                    f"rewards.{key}: no such event or setting; events: {', '.join(EVENT_NAMES)}; "
                    f"settings: {', '.join(MIXING)}")
            want = MIXING.get(key, float)
            ok = isinstance(value, bool) if want is bool else (
                isinstance(value, (int, float)) and not isinstance(value, bool))
            if not ok or (want is float and not np.isfinite(value)):
                raise ConfigError(f"rewards.{key} must be {'true or false' if want is bool else 'a number'}, "
                                  f"got {value!r}")
        for key in ("team_spirit", "team_spirit_end"):
            if not 0.0 <= data[key] <= 1.0:
                raise ConfigError(f"rewards.{key} = {data[key]} is out of range [0, 1]")
        if not 0.0 < data["time_decay"] <= 1.0:
            raise ConfigError(f"rewards.time_decay = {data['time_decay']} is out of range (0, 1]")
        return cls(weights=tuple(float(data[name]) for name in EVENT_NAMES),
                   team_spirit=float(data["team_spirit"]), team_spirit_end=float(data["team_spirit_end"]),
                   zero_sum=bool(data["zero_sum"]), time_decay=float(data["time_decay"]))

    def to_dict(self) -> dict[str, Any]:
        return {"team_spirit": self.team_spirit, "team_spirit_end": self.team_spirit_end,
                "zero_sum": self.zero_sum, "time_decay": self.time_decay,
                **dict(zip(EVENT_NAMES, self.weights))}

    def tau(self, progress: float) -> float:
        """Team spirit at `progress` (0 at the start of the run, 1 at its end)."""
        return linear(self.team_spirit, self.team_spirit_end, progress)


def reward_terms(events: np.ndarray, cfg: RewardConfig, ticks: np.ndarray) -> np.ndarray:
    """Each hero's weighted events [G, 10, E], decayed by game time `ticks` [G]."""
    terms = events * np.asarray(cfg.weights, np.float32)
    if cfg.time_decay < 1.0:
        minutes = ticks.astype(np.float32) / (60 * TICKS_PER_SECOND)
        decay = (cfg.time_decay ** (minutes / 10.0)).astype(np.float32)
        terms = np.where(UNDECAYED, terms, terms * decay[:, None, None])
    return terms


def mix(rho: np.ndarray, tau: float, zero_sum: bool) -> np.ndarray:
    """Team spirit then zero-sum over per-hero rewards `rho` [G, 10] (Radiant's
    five heroes, then Dire's)."""
    teams = rho.reshape(rho.shape[0], 2, HEROES_PER_TEAM)
    r = (1.0 - tau) * teams + tau * teams.mean(axis=2, keepdims=True)
    if zero_sum:
        r = r - r.mean(axis=2, keepdims=True)[:, ::-1]
    return r.reshape(rho.shape).astype(np.float32)


def shaped_rewards(events: np.ndarray, cfg: RewardConfig, tau: float,
                   ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rewards [G, 10], terms [G, 10, E]) for one step's events."""
    terms = reward_terms(events, cfg, ticks)
    return mix(terms.sum(axis=-1), tau, cfg.zero_sum), terms
