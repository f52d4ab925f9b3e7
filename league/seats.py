"""Who sits on each side of each game slot, and acting for every hero the
learner's network does not play.

Each game slot has a kind of opponent for the whole run (`TrainConfig.slots`:
by default the latest parameters in 60% of the slots, a past snapshot in
20%, the scripted bot in 20%); each game draws the learner's side, and a
game against a past snapshot draws the snapshot by quality from the pool
(OpenAI Five's opponent sampling). Until the pool holds a snapshot, those
games are against the latest parameters.

The latest parameters play every hero on the learner's side and, in games
against the latest, the other side too (`network_rows`: one forward pass
serves them all). Seats acts for the rest: the snapshots in play (one call
vmapped over them), the scripted bot (its advice, computed for every hero
by the teacher), the random bot.
"""

from __future__ import annotations

import json
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from agents.policy_agent import as_normalizer, hero_inputs
from agents.random_agent import RandomAgent
from agents.scripted import ScriptedAgent
from agents.teacher import Teacher
from engine import BatchEnv, Step
from engine.constants import HEROES_PER_TEAM
from league.config import KINDS

LATEST, PAST, SCRIPTED, RANDOM, TEACHER = range(len(KINDS))


class PoolView(NamedTuple):
    """What a rollout needs of the snapshot pool: its snapshots' steps and
    sampling probabilities, and their policies (params and normaliser), by
    step."""

    steps: tuple[int, ...]
    probabilities: np.ndarray
    policies: dict[int, Any]

    def sample(self, rng: np.random.Generator) -> int:
        return self.steps[int(rng.choice(len(self.steps), p=self.probabilities))]


def slot_kinds(counts: list[int]) -> np.ndarray:
    """Each game slot's kind of opponent, from the count of each kind."""
    return np.repeat(np.arange(len(KINDS)), counts).astype(np.int32)


def snapshots_act(act: Callable) -> Callable:
    """`act` (`agents.policy_agent.make_act`) over snapshots stacked on a
    leading axis of the parameters and inputs, with one key for them all."""
    def each(params, norm, carry, x, mask_target, key):
        keys = jax.random.split(key, carry.shape[0])
        return jax.vmap(act)(params, norm, carry, x, mask_target, keys)

    return jax.jit(each)


def _pow2(n: int) -> int:
    """The least power of two >= n."""
    return 1 << max(0, (int(n) - 1).bit_length())


class Seats:
    """The sides and opponents of `len(kinds)` game slots."""

    def __init__(self, kinds: np.ndarray, mirror: bool, rng: np.random.Generator, random_seed: int,
                 snapshot_act: Callable, scripted_skill: float = 1.0):
        G = len(kinds)
        self.scripted_skill = scripted_skill  # share of its decisions the scripted opponent makes itself
        self.kinds = np.asarray(kinds, np.int32)  # each slot's kind for the run
        self.side = np.zeros(G, np.int32)  # the learner's team in each game
        self.opponent = np.zeros(G, np.int32)  # the kind playing now (a past slot plays the latest at first)
        self.snapshot = np.full(G, -1, np.int64)  # training step of the snapshot played, -1 none
        self.rng = rng
        self.random = RandomAgent(random_seed)
        self.snapshot_act = snapshot_act  # act vmapped over stacked snapshots (`snapshots_act`)
        self._stacked: tuple[tuple[int, ...], Any] = ((), None)
        # The policy of each snapshot in play, taken when its game starts: a
        # game goes on against its snapshot after the snapshot leaves the pool.
        self._trees: dict[int, Any] = {}
        self.snapshot_win = np.full(G, np.nan, np.float32)  # the snapshot's win probability in its games
        # The trained sequences: every slot's learner side, then the other side of the latest's slots.
        self.trained_games = np.concatenate([np.arange(G), np.flatnonzero(self.kinds == LATEST) if mirror
                                            else np.zeros(0, np.int64)])
        # The games the latest parameters are run for, a sequence of five heroes each: the learner's
        # sides, then the other sides of the latest's slots, and of the past snapshots' slots while
        # any of them still plays the latest (two sizes, so the network compiles twice at most).
        # The trained sequences are the first of these.
        self._network = np.concatenate([np.arange(G), np.flatnonzero(self.kinds == LATEST)])
        self._network_and_past = np.concatenate([self._network, np.flatnonzero(self.kinds == PAST)])

    @property
    def network_games(self) -> np.ndarray:
        past_playing_latest = (self.kinds == PAST) & (self.opponent == LATEST)
        return self._network_and_past if past_playing_latest.any() else self._network

    def new_game(self, g: int, pool: PoolView) -> None:
        kind = int(self.kinds[g])
        if kind == PAST and not pool.steps:
            kind = LATEST
        self.side[g] = self.rng.integers(2)
        self.opponent[g] = kind
        self.snapshot[g] = pool.sample(self.rng) if kind == PAST else -1
        self._keep_trees(pool)

    def _keep_trees(self, pool: PoolView) -> None:
        """Hold the policies of the snapshots in play, and only those. A game
        whose snapshot is neither held nor in the pool (it left the pool
        before the checkpoint this run resumed from) goes on against one
        drawn afresh."""
        playing = np.flatnonzero(self.opponent == PAST)
        for g in playing:
            step = int(self.snapshot[g])
            if step not in self._trees and step not in pool.policies:
                self.snapshot[g] = step = pool.sample(self.rng)
            if step not in self._trees:
                self._trees[step] = pool.policies[step]
        in_play = set(self.snapshot[playing].tolist())
        self._trees = {step: tree for step, tree in self._trees.items() if step in in_play}

    def names(self, g: int, run_name: str) -> tuple[str, str]:
        """(Radiant, Dire) agent names of game `g`, for its replay."""
        opponent = KINDS[self.opponent[g]] if self.opponent[g] != PAST else f"{run_name}@{self.snapshot[g]}"
        names = ("learner", opponent)
        return names if self.side[g] == 0 else names[::-1]

    def _rows(self, games: np.ndarray, learner: bool) -> np.ndarray:
        team = self.side[games] if learner else 1 - self.side[games]
        return team[:, None] * HEROES_PER_TEAM + np.arange(HEROES_PER_TEAM)

    def trained_rows(self) -> np.ndarray:
        """Hero index [N, 5] of each trained sequence in its game (`trained_games`)."""
        G = len(self.kinds)
        return np.concatenate([self._rows(np.arange(G), True), self._rows(self.trained_games[G:], False)])

    def network_rows(self) -> np.ndarray:
        """Hero index [R, 5] of each sequence of five the latest parameters
        are run for, in the games of `network_games`."""
        G = len(self.kinds)
        return np.concatenate([self._rows(np.arange(G), True), self._rows(self.network_games[G:], False)])

    def network_heroes(self) -> np.ndarray:
        """[G, 10] the heroes a network plays (the learner's, and the
        latest's or a snapshot's): they shop by script."""
        networked = np.isin(self.opponent, (LATEST, PAST))[:, None]
        return networked | (np.arange(10) // HEROES_PER_TEAM == self.side[:, None])

    def group_minutes(self, teacher_minute: float) -> np.ndarray:
        """[G, 2] each game's grouping time for the bot's choices for each
        team: the scripted opponent's own, the teacher's everywhere else."""
        opponent_team = np.stack([self.side == 1, self.side == 0], axis=1)
        scripted = (self.opponent == SCRIPTED)[:, None] & opponent_team
        return np.where(scripted, ScriptedAgent().group_minute, teacher_minute)

    def act(self, env: BatchEnv, step: Step, first: np.ndarray, actions: np.ndarray, carry: np.ndarray,
            advice: np.ndarray, pool: PoolView, teacher: Teacher, key: jax.Array) -> None:
        """Write the actions [G, 10, heads] of the opponents the latest
        parameters do not play: the snapshots' (and their LSTM states in
        `carry`), the scripted bot's and the teacher's (from `advice`; the
        scripted bot's heroes act at random in a share 1 - `scripted_skill`
        of their decisions), the random bot's."""
        self._snapshots_act(step, first, actions, carry, advice, pool, teacher, key)
        games = np.flatnonzero(np.isin(self.opponent, (SCRIPTED, TEACHER)))
        g, rows = games[:, None], self._rows(games, False)
        actions[g, rows] = advice[g, rows]
        random = np.flatnonzero(self.opponent == RANDOM)
        slipping = np.flatnonzero(self.opponent == SCRIPTED) if self.scripted_skill < 1.0 else random[:0]
        for team in (0, 1):
            heroes = slice(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM)
            g, s = random[self.side[random] != team], slipping[self.side[slipping] != team]
            if len(g) or len(s):
                chosen = self.random.act(env, step, team)
                actions[g, heroes] = chosen[g]
                slips = self.random.rng.random((len(s), HEROES_PER_TEAM)) >= self.scripted_skill
                actions[s, heroes] = np.where(slips[..., None], chosen[s], actions[s, heroes])

    def _snapshots_act(self, step: Step, first: np.ndarray, actions: np.ndarray, carry: np.ndarray,
                       advice: np.ndarray, pool: PoolView, teacher: Teacher, key: jax.Array) -> None:
        """One call for the games against snapshots, the policy vmapped over
        the snapshots in play: a call per snapshot would cost a full pool's
        worth of small calls every step."""
        g_all = np.flatnonzero(self.opponent == PAST)
        if not len(g_all):
            return
        if not set(self.snapshot[g_all].tolist()) <= set(self._trees):  # resumed: nothing held yet
            self._keep_trees(pool)
        snaps, which = np.unique(self.snapshot[g_all], return_inverse=True)
        # Snapshots in fours and games per snapshot in powers of two bound the
        # recompiles (a few seconds each) with little padding; padding repeats
        # a real game, and padding snapshots the first snapshot.
        S, B = -(-len(snaps) // 4) * 4, _pow2(np.bincount(which).max())
        games = np.full((S, B), g_all[0])
        valid = np.zeros((S, B), bool)
        for i in range(len(snaps)):
            mine = g_all[which == i]
            games[i] = np.resize(mine, B)
            valid[i, :len(mine)] = True
        flat = games.ravel()
        rows = self._rows(flat, False)
        x, mt = hero_inputs(step, rows, first, flat)
        x = teacher.restrict(x, advice[flat[:, None], rows].reshape(len(flat) * HEROES_PER_TEAM, -1))
        c = carry[flat[:, None], rows]
        per_snapshot = lambda a: a.reshape((S, B * HEROES_PER_TEAM) + a.shape[1:])  # noqa: E731
        x, mt, c = jax.tree_util.tree_map(per_snapshot, (x, mt, c.reshape((-1,) + c.shape[2:])))
        params, norm = self._stacked_snapshots(tuple(snaps) + (snaps[0],) * (S - len(snaps)))
        new_carry, a, win = self.snapshot_act(params, norm, c, x, mt, key)
        g = games[valid]
        rows = self._rows(g, False)
        back = lambda a: np.asarray(a).reshape((S, B, HEROES_PER_TEAM) + a.shape[2:])[valid]  # noqa: E731
        carry[g[:, None], rows] = back(new_carry)
        actions[g[:, None], rows] = back(a)
        self.snapshot_win[g] = back(win).mean(axis=1)

    def _stacked_snapshots(self, steps: tuple[int, ...]) -> tuple[Any, Any]:
        """The weights and normalisers of the snapshots of `steps`, stacked on
        a leading axis; kept while the same snapshots are in play (they
        change only when a game against one ends)."""
        if self._stacked[0] != steps:
            trees = [self._trees[int(step)] for step in steps]
            stack = lambda *a: jnp.stack(a)  # noqa: E731  (on the device once, not at every call)
            params = jax.tree_util.tree_map(stack, *[t["params"] for t in trees])
            norm = as_normalizer(jax.tree_util.tree_map(stack, *[t["norm"] for t in trees]))
            self._stacked = (steps, (params, norm))
        return self._stacked[1]

    def state(self) -> dict[str, Any]:
        # Generator states hold integers wider than msgpack's: kept as JSON text.
        return {"side": self.side, "opponent": self.opponent, "snapshot": self.snapshot,
                "rng": json.dumps([self.rng.bit_generator.state, self.random.rng.bit_generator.state])}

    def restore(self, state: dict[str, Any]) -> None:
        for name in ("side", "opponent", "snapshot"):
            np.copyto(getattr(self, name), state[name])
        self.rng.bit_generator.state, self.random.rng.bit_generator.state = json.loads(state["rng"])
