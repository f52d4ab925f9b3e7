"""The settings of a training run: one frozen dataclass per TOML section.

    [game]     engine.GameConfig        the game itself
    [policy]   agents.policy.PolicyConfig  network sizes
    [ppo]      agents.ppo.PPOConfig     the learner
    [teacher]  agents.teacher.TeacherConfig  the scripted bot's labels and shopping
    [train]    TrainConfig              self-play: games, length, opponents, snapshots, workers
    [rewards]  agents.rewards.RewardConfig  event weights, team spirit, zero-sum
    [[curriculum]]  Stage        stages played under changed rules before the run's own
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.policy import PolicyConfig, shapes_for
from agents.ppo import PPOConfig
from agents.rewards import RewardConfig
from agents.teacher import TeacherConfig
from engine import ConfigError, GameConfig
from engine.config import Settings, setting
from engine.constants import HEROES_PER_TEAM

# The kinds of opponent, in the order of TrainConfig.slots(); "teacher" is the scripted bot as the teacher
# plays it (grouping at teacher.group_minute), "scripted" the bot as the evaluations play it.
KINDS = ("latest", "past", "scripted", "random", "teacher")
MAIN_STAGE = "main"  # the name of the run's own settings, the stage after every [[curriculum]] one


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
    opponent_teacher: float = setting(0.0, 0.0, 1.0, "share against the teacher: the scripted bot grouping at "
                                      "teacher.group_minute")
    scripted_skill: float = setting(1.0, 0.0, 1.0, "share of the scripted opponent's decisions it makes; in the "
                                    "rest each of its heroes takes a random legal action (a weaker bot for "
                                    "a curriculum's stages)")
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
        if sum(self.shares()) <= 0:
            raise ConfigError("train.opponent_* shares are all zero: no opponent to play")
        if self.workers > self.num_games:
            raise ConfigError(f"train.workers = {self.workers} is more than the train.num_games = {self.num_games} "
                              f"game slots they share")

    def shares(self) -> list[float]:
        """The share of each kind of opponent, in the order of KINDS."""
        return [getattr(self, f"opponent_{kind}") for kind in KINDS]

    def slots(self) -> list[int]:
        """Game slots per kind of opponent (KINDS): the shares of
        `num_games`, rounded by largest remainder. Each slot keeps its kind
        for the run, so the games trained on both sides are fixed."""
        shares = self.shares()
        exact = [self.num_games * s / sum(shares) for s in shares]
        counts = [int(e) for e in exact]
        by_remainder = sorted(range(len(KINDS)), key=lambda k: counts[k] - exact[k])  # stable: ties to the first
        for k in by_remainder[:self.num_games - sum(counts)]:
            counts[k] += 1
        return counts

    def trained_games(self) -> int:
        """Sequences of five heroes trained on per game slot and step, summed:
        each game's learner side, and the other side of the mirrored games."""
        return self.num_games + (self.slots()[0] if self.mirror else 0)


@dataclass(frozen=True)
class Stage:
    """A stage of a curriculum: the run's settings with `changes` ({section:
    {key: value}} over [game], [rewards], the opponent shares of [train],
    the entropy bonus of [ppo], and the imitation and teacher of
    [teacher]), left when the learner's win rate against each kind of
    opponent in `promote` reaches its share over the last `window` training
    games against that kind, or after `max_steps` hero decisions (0: no
    limit). The network is carried from stage to stage, so no stage may
    change its input shapes."""

    name: str
    changes: dict[str, dict[str, Any]]
    promote: dict[str, float]
    window: int = 200
    max_steps: int = 0

    # What a stage may change, by section (None: any key): the rest is built once for the run.
    SECTIONS = {"game": None, "rewards": None,
                "train": (*(f"opponent_{kind}" for kind in KINDS), "scripted_skill"),
                "ppo": ("entropy_coef", "entropy_coef_end"),
                "teacher": ("kickstart_coef", "kickstart_steps", "group_minute")}

    @classmethod
    def from_dict(cls, data: Any, number: int) -> "Stage":
        if not isinstance(data, dict):
            raise ConfigError(f"curriculum stage {number} must be a table ([[curriculum]]), got {data!r}")
        where = f"curriculum stage {data.get('name', number)!r}"
        known = ("name", "promote", "window", "max_steps", *cls.SECTIONS)
        for key in data:
            if key not in known:
                raise ConfigError(f"unknown key {key!r} in {where}; known keys: {', '.join(known)}")
        name, promote = data.get("name", f"stage {number}"), data.get("promote", {})
        window, max_steps = data.get("window", 200), data.get("max_steps", 0)
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: name must be a string, got {name!r}")
        if not isinstance(promote, dict) or any(k not in KINDS for k in promote):
            raise ConfigError(f"{where}: promote must map opponent kinds ({', '.join(KINDS)}) to win rates, "
                              f"got {promote!r}")
        for kind, rate in promote.items():
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                raise ConfigError(f"{where}: promote.{kind} = {rate!r} is not a win rate in [0, 1]")
        for key, value, least in (("window", window, 1), ("max_steps", max_steps, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ConfigError(f"{where}: {key} = {value!r} must be an integer of at least {least}")
        if not promote and not max_steps:
            raise ConfigError(f"{where} never ends: give it a promote table, max_steps or both")
        changes = {section: data[section] for section in cls.SECTIONS if section in data}
        for section, values in changes.items():
            if not isinstance(values, dict):
                raise ConfigError(f"{where}: {section} must be a table of settings, got {values!r}")
            allowed = cls.SECTIONS[section]
            for key in values:
                if allowed is not None and key not in allowed:
                    raise ConfigError(f"{where}: {section}.{key} cannot change between stages; a stage may set "
                                      f"{', '.join(f'{section}.{k}' for k in allowed)}")
        return cls(name, changes, {k: float(v) for k, v in promote.items()}, window, max_steps)

    def __str__(self) -> str:
        """'name' (its changes) until (its promotion rule)."""
        changes = ", ".join(f"{section}.{k}={v}" for section, values in self.changes.items() for k, v in values.items())
        ends = [" and ".join(f"{bar:.0%} won against {kind}" for kind, bar in self.promote.items())
                + f" (of the last {self.window} games)"] if self.promote else []
        ends += [f"{self.max_steps:,} hero steps"] if self.max_steps else []
        return f"{self.name!r} ({changes or 'no change'}) until {' or '.join(ends)}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "promote": dict(self.promote), "window": self.window,
                "max_steps": self.max_steps, **{s: dict(v) for s, v in self.changes.items()}}


@dataclass(frozen=True)
class RunConfig:
    """Every section of a training preset."""

    game: GameConfig = field(default_factory=GameConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    rewards: RewardConfig = field(default_factory=RewardConfig.from_dict)
    curriculum: tuple[Stage, ...] = ()

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
        stages = data.get("curriculum", [])
        if not isinstance(stages, list):
            raise ConfigError("curriculum must be a list of stages ([[curriculum]] tables)")
        data = {section: dict(values) for section, values in data.items() if section != "curriculum"}
        for (old_section, old_key), (section, key) in cls.MOVED.items():
            if old_key in data.get(old_section, {}):
                data.setdefault(section, {}).setdefault(key, data[old_section].pop(old_key))
        for section in data:
            if section not in cls.SECTIONS:
                raise ConfigError(f"unknown section [{section}]; sections: {', '.join(cls.SECTIONS)}")
        cfg = cls(**{name: kind.from_dict(data.get(name, {})) for name, kind in cls.SECTIONS.items()},
                  curriculum=tuple(Stage.from_dict(stage, i + 1) for i, stage in enumerate(stages)))
        cfg._check_stages()
        p = cfg.ppo
        sequences = p.rollout_steps // p.chunk * cfg.train.trained_games() * HEROES_PER_TEAM
        if sequences % p.minibatches:
            raise ConfigError(
                f"ppo.minibatches = {p.minibatches} must divide the rollout's {sequences} sequences "
                f"(rollout_steps / chunk x 5 x (num_games + the games against the latest "
                f"parameters, with train.mirror))")
        return cfg

    def stage(self, i: int) -> "RunConfig":
        """The settings stage i of the curriculum plays under; i =
        len(curriculum) is the run's own, the game it is trained for."""
        if i == len(self.curriculum):
            return self
        data = {name: getattr(self, name).to_dict() for name in self.SECTIONS}
        for section, values in self.curriculum[i].changes.items():
            data[section] |= values
        return RunConfig.from_dict(data)

    def _check_stages(self) -> None:
        names = [stage.name for stage in self.curriculum]
        for name in names:  # a fork finds its source's stage by name
            if name == MAIN_STAGE:
                raise ConfigError(f"curriculum stage name {name!r} is the run's own settings' name")
            if names.count(name) > 1:
                raise ConfigError(f"curriculum stage name {name!r} is given twice")
        for i, stage in enumerate(self.curriculum):
            where = f"curriculum stage {stage.name!r}"
            try:
                cfg = self.stage(i)
            except ConfigError as e:
                raise ConfigError(f"{where}: {e}") from None
            if shapes_for(cfg.game) != shapes_for(self.game):
                raise ConfigError(f"{where} changes the network's input shapes (game.obs_units, "
                                  f"game.minimap_size): the network is carried from stage to stage")
            if cfg.decisions_per_update() != self.decisions_per_update():
                raise ConfigError(f"{where} trains on {cfg.decisions_per_update():,} hero decisions per update, "
                                  f"the run on {self.decisions_per_update():,}: with train.mirror, keep "
                                  f"train.opponent_latest's share of the games")
            for kind in stage.promote:
                if not cfg.train.slots()[KINDS.index(kind)]:
                    raise ConfigError(f"{where} promotes on the win rate against {kind} but plays no game "
                                      f"against it (train.opponent_{kind} = 0)")

    def decisions_per_update(self) -> int:
        """Hero decisions trained on in each update."""
        return self.ppo.rollout_steps * self.train.trained_games() * HEROES_PER_TEAM

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name).to_dict() for name in self.SECTIONS}
        if self.curriculum:
            data["curriculum"] = [stage.to_dict() for stage in self.curriculum]
        return data
