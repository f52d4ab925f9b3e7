"""Where a run is in its curriculum (`RunConfig.curriculum`, a preset's
[[curriculum]] tables): the stage it plays, and the results of its training
games that decide when the stage is passed.

A stage is passed when, against every kind of opponent its `promote` names,
the learner won at least that share of its last `window` training games
against that kind (sampling from its policy, as it trains), or when it has
trained `max_steps` hero decisions. The run's own settings are the last
stage, played to `train.total_steps`; every stage's steps count toward it.
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

from league.config import MAIN_STAGE, RunConfig, Stage


class Passed(NamedTuple):
    """A stage passed: its number (1-based), name, the hero steps trained
    when it was, and why."""

    number: int
    name: str
    steps: int
    why: str

    def __str__(self) -> str:
        return f"stage {self.number} {self.name!r} passed at {self.steps:,} hero steps: {self.why}"


class Curriculum:
    """A run's place in the stages of `cfg.curriculum`, from the first."""

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        self.index = 0
        self.since = 0  # hero steps trained when the stage began
        self.results: dict[str, deque] = {}
        self.passed: list[Passed] = []  # the stages before this one
        self._begin(0, 0)

    @property
    def stages(self) -> int:
        """Stages, the run's own settings included."""
        return len(self.cfg.curriculum) + 1

    @property
    def stage(self) -> Stage | None:
        """The stage played, None once the run plays its own settings."""
        return self.cfg.curriculum[self.index] if self.index < len(self.cfg.curriculum) else None

    @property
    def name(self) -> str:
        return self.stage.name if self.stage else MAIN_STAGE

    def settings(self) -> RunConfig:
        """The settings the games are played under now."""
        return self._settings

    def _begin(self, index: int, steps: int) -> None:
        self.index, self.since = index, steps
        stage = self.stage
        self.results = {kind: deque(maxlen=stage.window) for kind in stage.promote} if stage else {}
        self._settings = self.cfg.stage(index)

    def observe(self, record: dict[str, float]) -> None:
        """A finished training game's record (`league.rollout._record`)."""
        for kind, results in self.results.items():
            if f"win_rate/{kind}" in record:
                results.append(record[f"win_rate/{kind}"])

    def rates(self) -> dict[str, float]:
        """The win rate against each kind the stage promotes on, over the
        games of its window played so far."""
        return {kind: sum(r) / len(r) for kind, r in self.results.items() if r}

    def ready(self, steps: int) -> str | None:
        """Why the stage is passed after `steps` hero steps, or None."""
        stage = self.stage
        if stage is None:
            return None
        rates = self.rates()
        if stage.promote and all(len(self.results[k]) == stage.window and rates[k] >= bar
                                 for k, bar in stage.promote.items()):
            return "won " + ", ".join(f"{rates[k]:.0%} of its last {stage.window} games against {k} "
                                      f"(to pass: {bar:.0%})" for k, bar in stage.promote.items())
        if stage.max_steps and steps - self.since >= stage.max_steps:
            return f"trained its {stage.max_steps:,} hero steps"
        return None

    def advance(self, steps: int, why: str) -> None:
        """Go on to the next stage at `steps` hero steps."""
        self.passed.append(Passed(self.index + 1, self.name, steps, why))
        self._begin(self.index + 1, steps)

    def metrics(self) -> dict[str, float]:
        """For TensorBoard: the stage (1-based) and the win rates it promotes on."""
        return {"curriculum/stage": float(self.index + 1),
                **{f"curriculum/win_rate_{kind}": rate for kind, rate in self.rates().items()}}

    def describe(self) -> str:
        """The stage and its progress, for the progress bar."""
        text = f"{self.index + 1}/{self.stages} {self.name}"
        stage, rates = self.stage, self.rates()
        if stage:
            text += "".join(f" {k} {rates.get(k, 0.0):.0%}/{bar:.0%}" for k, bar in stage.promote.items())
        return text

    def state(self) -> dict[str, Any]:
        """For a checkpoint."""
        return {"index": self.index, "name": self.name, "since": self.since,
                "passed": [list(p) for p in self.passed],
                "results": {kind: list(r) for kind, r in self.results.items()}}

    def restore(self, state: dict[str, Any], by_name: bool = False) -> None:
        """Be where `state` says: at its stage's number (a resumed run), or
        `by_name` at the stage of its name (a fork, whose stages may differ;
        a checkpoint from before stages' names were kept goes by number)."""
        index = int(state["index"])
        if by_name and "name" in state:
            names = [stage.name for stage in self.cfg.curriculum] + [MAIN_STAGE]
            if state["name"] not in names:
                raise ValueError(f"it is at curriculum stage {state['name']!r}, which this run does not have "
                                 f"(stages: {', '.join(names)})")
            index = names.index(state["name"])
        if not 0 <= index < self.stages:
            raise ValueError(f"it is at curriculum stage {index + 1}, this run has {self.stages}")
        self._begin(index, int(state["since"]))
        self.passed = [Passed(int(n), str(name), int(steps), str(why)) for n, name, steps, why in state["passed"]]
        for kind, results in self.results.items():
            results.extend(float(r) for r in state["results"].get(kind, []))
