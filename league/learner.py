"""The learner: PPO updates over rollout batches. It owns the parameters,
the optimiser state and the observation normaliser; the rollouts only ever
see the parameters it hands out."""

from __future__ import annotations

import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from agents.policy import Policy, init_params, normalizer_init, with_win_head
from agents.ppo import Batch, LearnerState, make_optimizer, make_update
from engine.constants import ACTION_TYPE_NAMES, HEAD_NAMES, NUM_ACTION_TYPES
from league.config import RunConfig


class Learner:
    def __init__(self, policy: Policy, cfg: RunConfig, key: jax.Array):
        self.cfg = cfg
        self.optimizer = make_optimizer(cfg.ppo)
        self._update = make_update(policy, cfg.ppo, cfg.teacher.kickstart_balance, self.optimizer)
        self.key, init_key = jax.random.split(key)
        params = init_params(policy, init_key)
        self.state = LearnerState(params, self.optimizer.init(params), normalizer_init(policy.shapes.obs_size))

    @property
    def params(self) -> Any:
        return self.state.params

    @property
    def norm(self) -> Any:
        return self.state.norm

    def update(self, batch: Batch, last: np.ndarray, progress: float, kick_coef: float,
               ent_coef: float) -> dict[str, float]:
        """One PPO update on `batch` and `last` [N, 2], the value and win
        probability where it stopped (progress 0 to 1 through the run sets
        the learning rate), imitating the teacher's labels with weight
        `kick_coef`, with entropy bonus `ent_coef` (both the curriculum
        stage's). Returns the metrics TensorBoard shows, NaN loss included:
        the caller decides what a NaN stops."""
        lr = self.cfg.ppo.learning_rate_at(progress)
        t0 = time.perf_counter()
        batch = jax.device_put(batch)
        last = jnp.asarray(last)
        jax.block_until_ready(batch)
        t1 = time.perf_counter()
        self.key, k = jax.random.split(self.key)
        state, m = self._update(self.state, batch, last, k, lr, ent_coef, kick_coef)
        m = jax.device_get(m)
        if np.isfinite(m["loss"]):
            self.state = state
        t2 = time.perf_counter()
        out = {f"loss/{k}": float(m[k]) for k in ("loss", "policy_loss", "value_loss", "win_loss")}
        out |= {"policy/approx_kl": float(m["approx_kl"]), "policy/clip_fraction": float(m["clip_fraction"]),
                "policy/entropy": float(m["entropy"]), "policy/grad_norm": float(m["grad_norm"]),
                "policy/explained_variance": float(m["explained_variance"]),
                "schedule/learning_rate": lr, "schedule/entropy_coef": ent_coef,
                "schedule/kickstart_coef": kick_coef, "loss/kickstart": float(m["kickstart_loss"]),
                "time/transfer_s": t1 - t0, "time/learning_s": t2 - t1}
        out |= {f"entropy/{name}": float(v) for name, v in zip(HEAD_NAMES, m["entropy_per_head"])}
        counts = np.bincount(np.asarray(batch.actions[..., 0]).ravel(), minlength=NUM_ACTION_TYPES)
        out |= {f"actions/{name}": c / counts.sum() for name, c in zip(ACTION_TYPE_NAMES, counts)}
        return out

    def state_tree(self) -> dict[str, Any]:
        s = self.state
        return {"params": s.params, "opt_state": jax.tree_util.tree_leaves(s.opt_state), "norm": s.norm._asdict(),
                "key": np.asarray(self.key)}

    def load(self, tree: dict[str, Any], where: str) -> None:
        """The state of `state_tree`, or a ValueError saying what does not fit."""
        from agents.policy_agent import as_normalizer

        saved = jax.tree_util.tree_map(jnp.asarray, tree["params"])
        params, own_head = with_win_head(saved, self.state.params)
        leaves = [jnp.asarray(a) for a in tree["opt_state"]]
        layout = jax.tree_util.tree_structure(self.optimizer.init(saved))
        if len(leaves) != layout.num_leaves:
            raise ValueError(f"{where} holds an optimiser state of {len(leaves)} arrays where this version's has "
                             f"{layout.num_leaves}: it was written by another version of moba")
        opt_state = jax.tree_util.tree_unflatten(layout, leaves)
        if not own_head:  # a run from before the win head: the head's Adam moments start at zero
            old = {jax.tree_util.keystr(k): v for k, v in jax.tree_util.tree_leaves_with_path(opt_state)}
            opt_state = jax.tree_util.tree_map_with_path(lambda k, v: old.get(jax.tree_util.keystr(k), v),
                                                         self.optimizer.init(params))
        self.state = LearnerState(params, opt_state, as_normalizer(tree["norm"]))
        self.key = jnp.asarray(tree["key"], jnp.uint32)
