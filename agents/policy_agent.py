"""A trained policy as an agent: batched inference over the heroes it plays,
with an LSTM state per game and hero."""

from __future__ import annotations

from concurrent.futures import Executor
from functools import partial
from pathlib import Path
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from agents import checkpoint
from agents.policy import (
    Inputs,
    Normalizer,
    Policy,
    PolicyConfig,
    Shapes,
    from_radiant_corner,
    init_params,
    reading_dire,
    sample,
    shapes_for,
    with_win_head,
)
from agents.roles import HERO_LANES
from agents.teacher import Teacher, TeacherConfig
from engine.constants import HEROES_PER_TEAM
from engine.env import BatchEnv, Step


def hero_inputs(step: Step, rows: np.ndarray, first: np.ndarray,
                games: np.ndarray | None = None) -> tuple[Inputs, np.ndarray]:
    """Inputs of the heroes at `rows` [B, n] (hero index in each of `games`
    [B], by default every game in order), flattened to [B*n], and their
    target masks [B*n, T, K]. Fancy indexing, which on these arrays is some
    20 times faster than `np.take_along_axis`."""
    games = np.arange(len(rows)) if games is None else games

    def take(a):
        return a[games[:, None], rows].reshape((-1,) + a.shape[2:])

    m = step.masks
    lane = HERO_LANES[rows % HEROES_PER_TEAM].reshape(-1)
    x = Inputs(obs=take(step.obs), dire=(rows >= HEROES_PER_TEAM).reshape(-1),
               first=np.repeat(first[games], rows.shape[1]), lane=lane,
               mask_type=take(m.type), mask_offset=take(m.offset_x), mask_item=take(m.item))
    return x, take(m.target)


def make_act(policy: Policy, greedy: bool = False, seen: int = 0, core: bool = False, learn: bool = True):
    """The jitted `act(params, norm, carry, inputs, target_masks, key, team=None) ->
    (carry, actions, logp, value, chosen_target_mask, win_probability)` on the engine's
    observations; sampling, or each head's most likely choice with
    `greedy`. With `seen`, it also returns the observations of the first
    `seen` rows as the network saw them (a rollout's batch keeps those: the
    update need not reflect Dire's again); with `core`, last, the LSTM's
    output the heads read (what a win head is fitted on). With `learn`
    False it returns (carry, actions, win_probability) only, what playing
    needs, and XLA leaves the rest out. `team` (static) says that every row
    is that team's hero: Radiant's are not reflected, Dire's are read by
    weights with the reflection folded in (`reading_dire`), or reflected
    when `seen` asks for the reflected rows; no test of the rows either way
    (an XLA conditional copies its operands on the CPU)."""

    @partial(jax.jit, static_argnames="team")
    def act(params, norm, carry, x: Inputs, mask_target, key, team: int | None = None):
        if team is None:
            x = jax.lax.cond(x.dire.any(), lambda x: from_radiant_corner(x, policy.shapes), lambda x: x, x)
        elif team == 1 and seen:
            x = from_radiant_corner(x, policy.shapes)
        elif team == 1:
            params, norm = reading_dire(params, norm, policy.shapes, policy.config.obs_clip)
        carry, out = policy.apply(params, norm, carry, x)
        actions, logp, chosen = sample(policy, params, out, mask_target, key, greedy)
        win = jax.nn.sigmoid(out.win)
        played = (carry, actions, logp, out.value, chosen, win) if learn else (carry, actions, win)
        return played + ((x.obs[:seen],) if seen else ()) + ((out.query_core,) if core else ())

    return act


def as_normalizer(tree: dict[str, Any]) -> Normalizer:
    return Normalizer(**{k: jnp.asarray(v) for k, v in tree.items()})


class PolicyAgent:
    """Samples from a policy (or, `greedy`, takes its most likely actions)
    for the five heroes of one team in every game; wearing a `teacher`, it
    shops by script."""

    reads_obs = True

    def __init__(self, policy: Policy, params, norm: Normalizer, seed: int = 0, name: str = "policy",
                 greedy: bool = False, teacher: Teacher | None = None, keep_core: bool = False):
        # On the device once: a checkpoint's numpy weights would otherwise be copied at every decision.
        self.policy, self.params, self.norm, self.name = policy, jax.device_put(params), norm, name
        self.key = jax.random.PRNGKey(seed)
        self._act = make_act(policy, greedy, core=keep_core, learn=False)
        self.keep_core = keep_core
        self.core: np.ndarray | None = None  # [G, 5, H] with keep_core: the LSTM's output at the last decision
        self.source: str | None = None  # the file it was loaded from
        self.carry: np.ndarray | None = None  # [G, 5, 2, hidden]
        self._keys: list[np.ndarray] = []
        self._env: BatchEnv | None = None
        self.teacher = teacher
        self.predicts_win = True  # False for a network from before the win head
        self.win: np.ndarray | None = None  # [G] the team's mean win probability at the last decision, NaN none

    def act(self, env: BatchEnv, step: Step, team: int) -> np.ndarray:
        return self.start(env, step, team)()

    def start(self, env: BatchEnv, step: Step, team: int, pool: Executor | None = None,
              live: np.ndarray | None = None) -> Callable[[], np.ndarray]:
        """`act` in two halves: the inputs now, the network on `pool` if
        given (so another agent's network can run meanwhile: JAX releases
        the GIL), and a function that waits for the actions. With `live`
        [G], only those games' heroes go through the network (padded to a
        power of two, so few batch shapes compile); the others get action 0."""
        G = env.num_games
        if env is not self._env:  # a new series of games: every LSTM starts afresh
            self._env = env
            self.carry = np.zeros((G, HEROES_PER_TEAM, 2, self.policy.config.hidden), np.float32)
            first = np.ones(G, bool)
        else:
            first = step.done
        games = np.arange(G) if live is None else np.flatnonzero(live)
        n = len(games)
        if n < G:
            games = np.concatenate([games, np.full(min(G, _bucket(n)) - n, games[0] if n else 0)])
        rows = np.broadcast_to(team * HEROES_PER_TEAM + np.arange(HEROES_PER_TEAM), (len(games), HEROES_PER_TEAM))
        x, mask_target = hero_inputs(step, rows, first, games)
        advice = None
        if self.teacher is not None:
            advice = self.teacher.purchases(env, team)
            x = self.teacher.restrict(x, advice[games].reshape(len(games) * HEROES_PER_TEAM, -1))
        carry = self.carry[games].reshape(len(games) * HEROES_PER_TEAM, 2, -1)
        call = partial(self._act, self.params, self.norm, carry, x, mask_target, self._next_key(), team=team)
        future = pool.submit(call) if pool is not None else None

        def finish() -> np.ndarray:
            new_carry, chosen, win, *core = future.result() if future is not None else call()
            self.carry[games[:n]] = np.asarray(new_carry).reshape(len(games), HEROES_PER_TEAM, 2, -1)[:n]
            self.win = np.full(G, np.nan, np.float32)
            if self.predicts_win:
                self.win[games[:n]] = np.asarray(win).reshape(len(games), HEROES_PER_TEAM).mean(axis=1)[:n]
            if self.keep_core:
                self.core = np.zeros((G, HEROES_PER_TEAM, self.policy.config.hidden), np.float32)
                self.core[games[:n]] = np.asarray(core[0]).reshape(len(games), HEROES_PER_TEAM, -1)[:n]
            actions = np.zeros((G, HEROES_PER_TEAM, len(env.head_sizes)), np.int32)
            actions[games[:n]] = np.asarray(chosen).reshape(len(games), HEROES_PER_TEAM, -1)[:n]
            return actions if advice is None else self.teacher.shop(actions, advice)

        return finish

    def _next_key(self) -> jax.Array:
        # Split in bulk: one split per decision costs as much as a small network call.
        if not self._keys:
            self.key, sub = jax.random.split(self.key)
            self._keys = list(np.asarray(jax.random.split(sub, 256)))
        return self._keys.pop()


def _bucket(n: int) -> int:
    return 1 << max(3, (n - 1).bit_length())


def _check_params(path: str | Path, policy: Policy, params) -> None:
    """Refuse weights that are not this network's (another size, or a
    network from before an input was added)."""
    def shapes(tree):
        return {jax.tree_util.keystr(k): tuple(v.shape) for k, v in jax.tree_util.tree_leaves_with_path(tree)}

    want = shapes(jax.eval_shape(lambda: init_params(policy, jax.random.PRNGKey(0))))
    try:
        got = shapes(params)
    except AttributeError:
        got = {}
    differ = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    if differ:
        raise checkpoint.CheckpointError(
            f"{str(path)!r} holds weights of another network ({len(differ)} parameters differ, first "
            f"{differ[0]}: checkpoint {got.get(differ[0])}, this network {want.get(differ[0])})")


def load_policy_agent(path: str | Path, env: BatchEnv | None = None, seed: int = 0,
                      name: str | None = None, keep_core: bool = False) -> PolicyAgent:
    """A PolicyAgent from a snapshot or training checkpoint file; with `env`,
    a network built for other observation shapes is refused."""
    agent = policy_agent_from(checkpoint.load(path), path, env, seed, name, keep_core)
    agent.source = str(Path(path).resolve())
    return agent


def policy_agent_from(loaded: tuple[dict[str, Any], dict[str, Any]], path: str | Path, env: BatchEnv | None = None,
                      seed: int = 0, name: str | None = None, keep_core: bool = False) -> PolicyAgent:
    """`load_policy_agent` of a checkpoint already read (`checkpoint.load`
    of `path`): an evaluation worker gets it through Ray's object store."""
    meta, tree = loaded
    try:
        net = meta["network"]
        policy_cfg = dict(net["policy"])
        # Networks from before the teacher had its own section kept the
        # purchases setting among the network's (on when missing).
        teacher_cfg = TeacherConfig.from_dict(
            net.get("teacher") or {"scripted_purchases": policy_cfg.pop("scripted_purchases", True)})
        policy = Policy(PolicyConfig.from_dict(policy_cfg), Shapes(**net["shapes"]))
        weights = tree["learner"] if "learner" in tree else tree
        # A network from before the win head plays as it did, and predicts nothing.
        params, predicts_win = with_win_head(weights["params"], init_params(policy, jax.random.PRNGKey(0)))
        norm = as_normalizer(weights["norm"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise checkpoint.CheckpointError(f"{str(path)!r} holds no policy ({e})") from None
    _check_params(path, policy, params)
    if env is not None and shapes_for(env.config) != policy.shapes:
        raise checkpoint.CheckpointError(
            f"{str(path)!r} was trained on observations {policy.shapes}, this game has {shapes_for(env.config)}")
    teacher = Teacher(teacher_cfg) if teacher_cfg.scripted_purchases else None
    agent = PolicyAgent(policy, params, norm, seed, name or Path(path).stem, teacher=teacher, keep_core=keep_core)
    agent.predicts_win = predicts_win
    return agent
