"""The settings of a training run: one frozen dataclass per TOML section.

    [game]     engine.GameConfig        the game itself
    [policy]   agents.policy.PolicyConfig  network sizes
    [ppo]      agents.ppo.PPOConfig     the learner
    [teacher]  agents.teacher.TeacherConfig  the scripted bot's labels and shopping
    [train]    TrainConfig              self-play: games, length, opponents, snapshots, workers
    [rewards]  agents.rewards.RewardConfig  event weights, team spirit, zero-sum
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.policy import PolicyConfig
from agents.ppo import PPOConfig
from agents.rewards import RewardConfig
from agents.teacher import TeacherConfig
from engine import ConfigError, GameConfig
from engine.config import Settings, setting
from engine.constants import HEROES_PER_TEAM


@dataclass(frozen=True)
class TrainConfig(Settings):
    section = "train"

    num_games: int = setting(64, 1, 1 << 16, "games played at once (split among the rollout workers)")
    # `moba train` with no options: about 7 minutes on two cores, past the random
    # bot in every game of the summary (README, BENCHMARKS.md).
    total_steps: int = setting(4_000_000, 1, 1 << 50, "hero decisions to train on (both sides of mirrored games)")
    seed: int = setting(0, 0, 2**31 - 1, "seed of the games, the network and the sampling")
    opponent_latest: float = setting(0.6, 0.0, 1.0, "share of game slots against the latest parameters")
    opponent_past: float = setting(0.2, 0.0, 1.0, "share against past snapshots (latest until one exists)")
    opponent_scripted: float = setting(0.2, 0.0, 1.0, "share against the scripted bot")
    opponent_random: float = setting(0.0, 0.0, 1.0, "share against the random-legal agent")
    mirror: bool = setting(False, None, None, "train on both sides of the games against the latest parameters")
    snapshot_every: int = setting(10, 1, 1 << 30, "updates between two snapshots joining the pool")
    pool_size: int = setting(50, 1, 100_000, "snapshots kept; the oldest leave first")
    quality_lr: float = setting(0.01, 0.0, 100.0, "step of the snapshot quality update (Five: 0.01)")
    checkpoint_every: int = setting(20, 1, 1 << 30, "updates between checkpoints")
    keep_checkpoints: int = setting(3, 1, 1000, "checkpoints kept in the run folder")
    replay_rate: float = setting(0.002, 0.0, 1.0, "share of training games kept as replays in the run's replays/")
    eval_games: int = setting(100, 0, 1 << 20, "games per line of the summary at the end (random; "
                              "scripted, sampling and greedy)")
    eval_batch: int = setting(64, 1, 1 << 16, "games played at once in that evaluation")
    eval_every: int = setting(0, 0, 1 << 30, "updates between evaluations against the bots during the run "
                              "(eval_games each, on evaluation workers beside training with --workers; 0: "
                              "at the end only)")
    workers: int = setting(0, 0, 4096, "rollout workers (Ray actors) sharing the game slots; 0: in this process")
    max_policy_lag: int = setting(0, 0, 1000, "with workers: 0 waits for every worker's rollout with the latest "
                                  "parameters (reproducible); K lets workers play on with parameters up to K "
                                  "updates old")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.opponent_latest + self.opponent_past + self.opponent_scripted + self.opponent_random <= 0:
            raise ConfigError("train.opponent_* shares are all zero: no opponent to play")
        if self.workers > self.num_games:
            raise ConfigError(f"train.workers = {self.workers} is more than the train.num_games = {self.num_games} "
                              f"game slots they share")

    def slots(self) -> list[int]:
        """Game slots per opponent kind (latest, past, scripted, random): the
        shares of `num_games`, rounded by largest remainder. Each slot keeps
        its kind for the run, so the games trained on both sides are fixed."""
        shares = [self.opponent_latest, self.opponent_past, self.opponent_scripted, self.opponent_random]
        exact = [self.num_games * s / sum(shares) for s in shares]
        counts = [int(e) for e in exact]
        by_remainder = sorted(range(4), key=lambda k: counts[k] - exact[k])  # stable: ties to the first kind
        for k in by_remainder[:self.num_games - sum(counts)]:
            counts[k] += 1
        return counts

    def trained_games(self) -> int:
        """Sequences of five heroes trained on per game slot and step, summed:
        each game's learner side, and the other side of the mirrored games."""
        return self.num_games + (self.slots()[0] if self.mirror else 0)


@dataclass(frozen=True)
class RunConfig:
    """Every section of a training preset."""

    game: GameConfig = field(default_factory=GameConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    rewards: RewardConfig = field(default_factory=RewardConfig.from_dict)

    SECTIONS = {"game": GameConfig, "policy": PolicyConfig, "ppo": PPOConfig, "teacher": TeacherConfig,
                "train": TrainConfig, "rewards": RewardConfig}
    # Settings that moved section, by their old names: runs written before
    # still resume, and the old spelling of an override still works.
    MOVED = {("ppo", "kickstart_coef"): ("teacher", "kickstart_coef"),
             ("ppo", "kickstart_steps"): ("teacher", "kickstart_steps"),
             ("ppo", "kickstart_balance"): ("teacher", "kickstart_balance"),
             ("ppo", "teacher_group_minute"): ("teacher", "group_minute"),
             ("policy", "scripted_purchases"): ("teacher", "scripted_purchases")}

    @classmethod
    def from_dict(cls, data: dict[str, dict[str, Any]]) -> "RunConfig":
        data = {section: dict(values) for section, values in data.items()}
        for (old_section, old_key), (section, key) in cls.MOVED.items():
            if old_key in data.get(old_section, {}):
                data.setdefault(section, {}).setdefault(key, data[old_section].pop(old_key))
        for section in data:
            if section not in cls.SECTIONS:
                raise ConfigError(f"unknown section [{section}]; sections: {', '.join(cls.SECTIONS)}")
        cfg = cls(**{name: kind.from_dict(data.get(name, {})) for name, kind in cls.SECTIONS.items()})
        p = cfg.ppo
        sequences = p.rollout_steps // p.chunk * cfg.train.trained_games() * HEROES_PER_TEAM
        if sequences % p.minibatches:
            raise ConfigError(
                f"ppo.minibatches = {p.minibatches} must divide the rollout's {sequences} sequences "
                f"(rollout_steps / chunk x 5 x (num_games + the games against the latest "
                f"parameters, with train.mirror))")
        return cfg

    def decisions_per_update(self) -> int:
        """Hero decisions trained on in each update."""
        return self.ppo.rollout_steps * self.train.trained_games() * HEROES_PER_TEAM

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {name: getattr(self, name).to_dict() for name in self.SECTIONS}
