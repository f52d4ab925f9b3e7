"""PPO (optax): GAE, the clipped objective, and one jitted update over a
rollout, with truncated backprop through time over fixed chunks.

A rollout is `[T, N]` decisions of N heroes. It is cut into chunks of
`chunk` steps; each chunk is one sequence, replayed through the LSTM from the
state stored at its start. Sequences are shuffled into minibatches for
`epochs` passes. Defaults follow OpenAI Five where they fit (lambda 0.95,
clip 0.2, 16-step chunks).

Kickstarting (Schmitt et al. 2018) adds the cross-entropy of the learner's
policy to a teacher's action in the positions the learner reached (the
scripted bot labels them, as in DAgger; `agents.teacher` says with what
weight). It gives a CPU-sized run the teacher's habits (follow the wave,
hit buildings, retreat when hurt) in minutes; the RL terms then go on alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from agents.policy import Inputs, Normalizer, Policy, log_prob_entropy, normalizer_update, unroll
from agents.schedule import linear
from engine.config import ConfigError, Settings, setting
from engine.constants import NUM_ACTION_TYPES


@dataclass(frozen=True)
class PPOConfig(Settings):
    section = "ppo"

    learning_rate: float = setting(1e-3, 0.0, 1.0, "Adam step size at the start of the run")
    learning_rate_end: float = setting(3e-5, 0.0, 1.0, "step size at the end (linear schedule)")
    entropy_coef: float = setting(0.01, 0.0, 10.0, "entropy bonus at the start of the run")
    entropy_coef_end: float = setting(0.001, 0.0, 10.0, "entropy bonus at the end (linear schedule)")
    gamma: float = setting(0.998, 0.0, 1.0, "discount per decision (0.998: a horizon of ~70 s at frameskip 4)")
    gae_lambda: float = setting(0.95, 0.0, 1.0, "GAE lambda")
    clip: float = setting(0.2, 0.0, 10.0, "PPO ratio clip")
    policy_coef: float = setting(1.0, 0.0, 100.0, "weight of the clipped policy loss (0 with value_coef 0: "
                                                   "imitation alone)")
    value_coef: float = setting(0.5, 0.0, 100.0, "weight of the value loss")
    max_grad_norm: float = setting(5.0, 0.0, 1e6, "gradients are clipped to this global norm")
    rollout_steps: int = setting(64, 1, 1 << 16, "decisions per hero gathered before each update")
    chunk: int = setting(16, 1, 4096, "steps of backprop through time (rollout_steps must be a multiple)")
    # One pass over ten minibatches: on two cores the PPO step is most of an update, and a
    # second pass cost a third of the run's throughput for no gain measured (BENCHMARKS.md).
    epochs: int = setting(1, 1, 100, "passes over each rollout")
    minibatches: int = setting(10, 1, 1 << 16, "minibatches per pass (they split the rollout's sequences)")
    normalize_advantages: bool = setting(True, None, None, "normalise advantages in each minibatch")

    def learning_rate_at(self, progress: float) -> float:
        """The step size `progress` (0 to 1) through a run: linear."""
        return linear(self.learning_rate, self.learning_rate_end, progress)

    def entropy_coef_at(self, progress: float) -> float:
        """The entropy bonus `progress` (0 to 1) through a run: linear."""
        return linear(self.entropy_coef, self.entropy_coef_end, progress)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rollout_steps % self.chunk:
            raise ConfigError(f"ppo.rollout_steps = {self.rollout_steps} must be a multiple of "
                              f"ppo.chunk = {self.chunk}")


class Batch(NamedTuple):
    """A rollout of the heroes trained on, time-major [T, N, ...]."""

    x: Inputs  # observations (as the network saw them: from Radiant's corner), first flags and masks
    mask_target: jax.Array  # [T, N, K] the chosen type's target mask
    actions: jax.Array  # [T, N, 5]
    logp: jax.Array  # [T, N]
    value: jax.Array  # [T, N]
    reward: jax.Array  # [T, N]
    done: jax.Array  # [T, N] the game ended after this decision
    win: jax.Array  # [T, N] the win head's probability that the hero's team wins
    won: jax.Array  # [T, N] where a game ended: 1 the hero's team won it, 0.5 a draw, 0 lost
    carry: jax.Array  # [T / chunk, N, 2, H] LSTM state at the start of each chunk
    teacher: jax.Array  # [T, N, 5] the scripted bot's action in the same position
    teacher_mask_target: jax.Array  # [T, N, K] the target mask of the teacher's type


class LearnerState(NamedTuple):
    params: dict
    opt_state: optax.OptState
    norm: Normalizer


@partial(jax.jit, static_argnames=("gamma", "lam"))
def gae(reward: jax.Array, value: jax.Array, done: jax.Array, last_value: jax.Array,
        gamma: float, lam: float) -> tuple[jax.Array, jax.Array]:
    """Generalised advantage estimates and returns over [T, N] arrays; `done`
    cuts the bootstrap at the end of a game."""

    def back(carry, t):
        adv_next, v_next = carry
        nonterminal = 1.0 - done[t]
        delta = reward[t] + gamma * v_next * nonterminal - value[t]
        adv = delta + gamma * lam * nonterminal * adv_next
        return (adv, value[t]), adv

    T = reward.shape[0]
    _, adv = jax.lax.scan(back, (jnp.zeros_like(last_value), last_value), jnp.arange(T), reverse=True)
    return adv, adv + value


def clipped_loss(logp: jax.Array, old_logp: jax.Array, adv: jax.Array,
                 clip: float) -> tuple[jax.Array, dict]:
    """PPO's clipped policy loss, with approximate KL and clip fraction."""
    log_ratio = logp - old_logp
    ratio = jnp.exp(log_ratio)
    loss = -jnp.minimum(ratio * adv, jnp.clip(ratio, 1 - clip, 1 + clip) * adv).mean()
    stats = {"approx_kl": ((ratio - 1) - log_ratio).mean(),
             "clip_fraction": (jnp.abs(ratio - 1) > clip).mean()}
    return loss, stats


def make_optimizer(cfg: PPOConfig) -> optax.GradientTransformation:
    """Adam's direction after gradient clipping; the update scales it by the
    step size it is given, so the caller's schedule can follow steps or time."""
    return optax.chain(optax.clip_by_global_norm(cfg.max_grad_norm), optax.scale_by_adam(eps=1e-5))


def _cut(a: jax.Array, chunk: int) -> jax.Array:
    """[T, N, ...] -> [T/chunk * N, chunk, ...]: one row per sequence."""
    T, N = a.shape[:2]
    a = a.reshape((T // chunk, chunk, N) + a.shape[2:])
    return jnp.swapaxes(a, 1, 2).reshape((T // chunk * N, chunk) + a.shape[3:])


def _sequences(batch: Batch, chunk: int) -> Batch:
    seq = jax.tree_util.tree_map(lambda a: _cut(a, chunk), batch._replace(carry=None))
    return seq._replace(carry=batch.carry.reshape((-1,) + batch.carry.shape[2:]))


def make_update(policy: Policy, cfg: PPOConfig, kickstart_balance: float, optimizer: optax.GradientTransformation):
    """The jitted `update(state, batch, last, key, learning_rate,
    entropy_coef, kickstart_coef) -> (state, metrics)`: advantages, the PPO
    passes, and the observation normaliser's update with the batch (which the
    next rollout's network reads). `last` [N, 2] is the value and win
    probability where the rollout stopped. The win head learns the outcome's
    lambda-return, undiscounted: a probability bootstrapped from its own."""

    def loss_fn(params, norm, seq: Batch, adv, ret, win_target, ent_coef, kick_coef):
        # time-major for the unroll: [chunk, n, ...]
        xs = jax.tree_util.tree_map(lambda a: jnp.swapaxes(a, 0, 1), seq.x)
        flat = unroll(policy, params, norm, seq.carry, xs)
        tm = lambda a: jnp.swapaxes(a, 0, 1).reshape((-1,) + a.shape[2:])  # noqa: E731
        actions, mask_target = tm(seq.actions), tm(seq.mask_target)
        adv, ret, old_logp = tm(adv), tm(ret), tm(seq.logp)
        logp, ent = log_prob_entropy(policy, params, flat, actions, mask_target)
        if cfg.normalize_advantages:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        pg_loss, stats = clipped_loss(logp, old_logp, adv, cfg.clip)
        v_loss = 0.5 * ((flat.value - ret) ** 2).mean()
        entropy = ent.sum(-1).mean()
        # Kickstarting (Schmitt et al. 2018): cross-entropy to the teacher's
        # action, labelled in the positions the learner itself reached.
        teacher = tm(seq.teacher)
        kick_logp = log_prob_entropy(policy, params, flat, teacher, tm(seq.teacher_mask_target))[0]
        share = jnp.bincount(teacher[:, 0], length=NUM_ACTION_TYPES) / teacher.shape[0]
        w = jnp.maximum(share, 0.01)[teacher[:, 0]] ** -kickstart_balance
        win_loss = optax.sigmoid_binary_cross_entropy(flat.win, tm(win_target)).mean()
        kick = -(w * kick_logp).sum() / w.sum()
        loss = cfg.policy_coef * pg_loss + cfg.value_coef * v_loss - ent_coef * entropy + kick_coef * kick + win_loss
        used = (ent > 0).sum(0).clip(1)
        stats |= {"loss": loss, "policy_loss": pg_loss, "value_loss": v_loss, "entropy": entropy,
                  "entropy_per_head": ent.sum(0) / used, "kickstart_loss": kick, "win_loss": win_loss}
        return loss, stats

    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)

    @jax.jit
    def update(state: LearnerState, batch: Batch, last, key, lr, ent_coef, kick_coef):
        adv, ret = gae(batch.reward, batch.value, batch.done, last[:, 0], cfg.gamma, cfg.gae_lambda)
        _, win_target = gae(batch.won * batch.done, batch.win, batch.done, last[:, 1], 1.0, cfg.gae_lambda)
        seq = _sequences(batch, cfg.chunk)
        adv_s, ret_s, win_s = _cut(adv, cfg.chunk), _cut(ret, cfg.chunk), _cut(win_target, cfg.chunk)
        n_seq = seq.reward.shape[0]
        mb = n_seq // cfg.minibatches

        def minibatch(carry, idx):
            params, opt_state = carry
            take = lambda a: a[idx]  # noqa: E731
            (_, stats), grads = grad_fn(params, state.norm, jax.tree_util.tree_map(take, seq),
                                        adv_s[idx], ret_s[idx], win_s[idx], ent_coef, kick_coef)
            stats["grad_norm"] = optax.tree.norm(grads)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            updates = jax.tree_util.tree_map(lambda u: -lr * u, updates)
            return (optax.apply_updates(params, updates), opt_state), stats

        def epoch(carry, k):
            perm = jax.random.permutation(k, n_seq)[: mb * cfg.minibatches]
            return jax.lax.scan(minibatch, carry, perm.reshape(cfg.minibatches, mb))

        (params, opt_state), stats = jax.lax.scan(
            epoch, (state.params, state.opt_state), jax.random.split(key, cfg.epochs))
        stats = jax.tree_util.tree_map(lambda a: a.mean(axis=(0, 1)), stats)
        stats["explained_variance"] = explained_variance(batch.value, ret)
        # The normaliser's statistics are of what the network sees: every side from Radiant's corner.
        norm = normalizer_update(state.norm, batch.x.obs)
        return LearnerState(params, opt_state, norm), stats

    return update


def explained_variance(value: jax.Array, ret: jax.Array) -> jax.Array:
    """1 - Var[ret - value] / Var[ret]: how much of the return the value head explains."""
    var = jnp.var(ret)
    return jnp.where(var > 0, 1 - jnp.var(ret - value) / var, jnp.nan)
