"""Evaluation against the bots: lines of games of the learner against the
random and the scripted bot, half on each side. `moba train` plays them
at the end (and every `train.eval_every` updates); with rollout workers
they are played on Ray beside training (`league.workers.RayEvaluator`).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from agents.policy import Policy
from agents.policy_agent import PolicyAgent
from agents.random_agent import RandomAgent
from agents.scripted import ScriptedAgent
from agents.teacher import Teacher, TeacherConfig
from engine import GameConfig
from league.config import RunConfig
from league.play import Agent, win_rate


class Line(NamedTuple):
    name: str  # the summary's "vs <name>"
    opponent: str  # "random" or "scripted"
    greedy: bool  # the learner takes its most likely actions

    @property
    def scalar(self) -> str:
        """Its TensorBoard name."""
        return f"eval/win_rate_vs_{self.name.replace(', ', '_')}"


# Sampling, as in training, and greedily: against the bot the two differ by many points.
LINES = (Line("random", "random", False), Line("scripted", "scripted", False),
         Line("scripted, greedy", "scripted", True))

# (hero steps, line, win/draw/loss rates): a line played for the parameters at that point.
Result = tuple[int, Line, dict[str, float]]


def learner_agent(policy: Policy, teacher: TeacherConfig, params: Any, norm: Any, seed: int = 0,
                  greedy: bool = False, name: str = "learner") -> PolicyAgent:
    """The parameters as an agent, shopping as they were trained to."""
    return PolicyAgent(policy, params, norm, seed=seed, name=name, greedy=greedy,
                       teacher=Teacher(teacher) if teacher.scripted_purchases else None)


def play_line(game: GameConfig, agent: Agent, line: Line, games: int, seed: int, batch: int,
              on_game: Callable[[str], None] | None = None) -> dict[str, float]:
    """The agent's win, draw and loss rates over one line's games;
    `on_game("win" | "draw" | "loss")` as each ends."""
    bot = RandomAgent(seed + 7) if line.opponent == "random" else ScriptedAgent()
    return win_rate(game, agent, bot, games, seed=seed + 1000, batch=batch, on_game=on_game)


class Evaluator:
    """Lines played in this process: training waits for them."""

    def __init__(self, cfg: RunConfig, policy: Policy):
        self.cfg, self.policy = cfg, policy
        self._done: list[Result] = []

    def run_lines(self, params: Any, norm: Any, on_game: Callable[[Line, str], None] | None = None,
                  lines: tuple[Line, ...] = LINES) -> dict[Line, dict[str, float]]:
        """Every line, played now; `on_game(line, outcome)` as each game ends."""
        t = self.cfg.train
        return {line: play_line(self.cfg.game, learner_agent(self.policy, self.cfg.teacher, params, norm,
                                                             t.seed + 11, line.greedy),
                                line, t.eval_games, t.seed, t.eval_batch,
                                None if on_game is None else (lambda outcome, line=line: on_game(line, outcome)))
                for line in lines}

    def start(self, hero_steps: int, params: Any, norm: Any) -> None:
        """The lines for the parameters at `hero_steps` (played now)."""
        self._done += [(hero_steps, line, r) for line, r in self.run_lines(params, norm).items()]

    def finished(self, wait: bool = False) -> list[Result]:
        """The lines done since the last call."""
        done, self._done = self._done, []
        return done
