"""Self-play training: the loop that joins the engine, the policy, PPO, the
reward shaping and the opponent pool.

Each of `num_games` game slots has a learner side (drawn at random when a
game starts) and a kind of opponent, fixed for the run: by default the latest
parameters (60% of the slots), a past snapshot drawn by quality at each game
(20%) or the scripted bot (20%); the random bot can be mixed in too. One
forward pass of the latest parameters serves every hero; the snapshots in use
then re-act for the games they play. The scripted bot also says what it would
do in each hero's position: the label of kickstarting. The learner's heroes
are trained on, and with `train.mirror` both sides of the games against the
latest parameters, whose opponent heroes play the same network.

A run lives in a folder: `config.toml` (as resolved), `tb/` (TensorBoard),
`checkpoints/` and `pool/`. Checkpoints hold everything the loop needs to go
on exactly (learner, normaliser, RNGs, the games in progress, the pool).
"""

from __future__ import annotations

import json
import math
import re
import signal
import time
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import tomli_w

from agents import checkpoint
from agents.policy import (
    Inputs,
    Normalizer,
    Policy,
    from_radiant_corner,
    init_params,
    normalizer_init,
    normalizer_update,
    shapes_for,
)
from agents.policy_agent import as_normalizer, hero_inputs, hero_rows, make_act
from agents.ppo import (
    Batch,
    Learner,
    explained_variance,
    gae,
    make_optimizer,
    make_update,
)
from agents.random_agent import RandomAgent
from agents.rewards import shaped_rewards
from agents.schedule import linear
from agents.scripted import ScriptedAgent, with_scripted_purchases
from engine import BatchEnv
from engine import fields as F
from engine.constants import (
    ACTION_TYPE_NAMES,
    HEAD_NAMES,
    HEROES_PER_TEAM,
    NUM_ACTION_TYPES,
)
from engine.spec import EVENT_NAMES
from league.config import RunConfig
from league.pool import SnapshotPool
from league.store import LeagueStore
from replays.recorder import Recorder

LATEST, PAST, SCRIPTED, RANDOM = range(4)
OPPONENT_KINDS = ("latest", "past", "scripted", "random")


class TrainingError(RuntimeError):
    """Training cannot go on (a NaN loss); the message says what is kept."""


def _pow2(n: int) -> int:
    """The least power of two >= n."""
    return 1 << max(0, (int(n) - 1).bit_length())


def _network_meta(cfg: RunConfig, env: BatchEnv) -> dict[str, Any]:
    # "view": networks from before the Dire reflection (agents/policy.py) read Dire's games unreflected;
    # "lane": networks from before the lane input (agents/roles.py) lack it.
    return {"policy": cfg.policy.to_dict(), "shapes": shapes_for(env)._asdict(), "engine": env.version,
            "view": "radiant_corner", "lane": True}


class Trainer:
    """One self-play run in `run_dir`; `Trainer.resume(run_dir)` picks one up."""

    def __init__(self, run_dir: str | Path, cfg: RunConfig, preset_name: str = "custom"):
        self.run_dir = Path(run_dir)
        self.cfg = cfg
        self.preset_name = preset_name
        t, g = cfg.train, cfg.train.num_games
        self.env = BatchEnv(cfg.game, num_games=g, seed=t.seed)
        self.policy = Policy(cfg.policy, shapes_for(self.env))
        self.act_fn = make_act(self.policy)
        self.snapshot_act_fn = jax.jit(jax.vmap(self.act_fn))
        self._stacked: tuple[tuple[int, ...], Any] = ((), None)
        self.network = _network_meta(cfg, self.env)
        self.updates_total = math.ceil(t.total_steps / cfg.decisions_per_update())
        self.optimizer = make_optimizer(cfg.ppo)
        self.update_fn = make_update(self.policy, cfg.ppo, self.optimizer)
        shapes = self.policy.shapes
        # The normaliser's statistics are of what the network sees: every side from Radiant's corner.
        self.normalizer_update = jax.jit(lambda n, obs: normalizer_update(
            n, from_radiant_corner(obs.reshape(-1, shapes.obs_size), shapes)[0]))
        self.pool = SnapshotPool(self.run_dir / "pool", t.quality_lr, t.pool_size)
        self.scripted = ScriptedAgent()
        self.random = RandomAgent(t.seed + 1)
        self.rng = np.random.default_rng(t.seed)
        key = jax.random.PRNGKey(t.seed)
        key, init_key = jax.random.split(key)
        params = init_params(self.policy, init_key)
        self.learner = Learner(params, self.optimizer.init(params), normalizer_init(self.env.obs_size))
        self.key = key
        self.update = 0
        H = cfg.policy.hidden
        self.step = self.env.reset()
        self.carry = np.zeros((g, 10, 2, H), np.float32)
        self.first = np.ones(g, bool)
        self.side = np.zeros(g, np.int32)
        self.slot_kind = np.repeat(np.arange(len(OPPONENT_KINDS)), t.slots()).astype(np.int32)
        self.opp_kind = np.zeros(g, np.int32)
        # The game slot of each trained sequence: every slot's learner side, then the mirrored slots' other side.
        mirrored = np.flatnonzero(self.slot_kind == LATEST) if t.mirror else np.zeros(0, np.int64)
        self.trained_games = np.concatenate([np.arange(g), mirrored])
        self.opp_snap = np.full(g, -1, np.int64)  # training step of the snapshot played
        self.term_sums = np.zeros((g, len(EVENT_NAMES)), np.float64)
        for slot in range(g):
            self._new_game(slot)
        self.recorder = Recorder(self.run_dir / "replays", preset_name, self._side_names, t.replay_rate,
                                 seed=t.seed, prefix="train")
        self.recorder.start(self.env)
        self.stop_requested = False

    # --- run folder

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def hero_steps(self) -> int:
        """Hero decisions trained on so far."""
        return self.update * self.cfg.decisions_per_update()

    def write_config(self) -> None:
        """config.toml, once: a resumed run keeps the file it started with."""
        if (self.run_dir / "config.toml").exists():
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        text = f"# moba training run, preset '{self.preset_name}', as resolved\n" + tomli_w.dumps(self.cfg.to_dict())
        (self.run_dir / "config.toml").write_text(text)

    @classmethod
    def resume(cls, run_dir: str | Path) -> "Trainer":
        run_dir = Path(run_dir)
        cfg_path = run_dir / "config.toml"
        if not cfg_path.is_file():
            raise FileNotFoundError(f"{str(run_dir)!r} is not a run folder (no config.toml)")
        text = cfg_path.read_text()
        cfg = RunConfig.from_dict(tomllib.loads(text))
        named = re.match(r"# moba training run, preset '(.*)'", text)
        trainer = cls(run_dir, cfg, named.group(1) if named else "custom")
        latest = trainer.latest_checkpoint()
        if latest is None:
            raise FileNotFoundError(f"run {str(run_dir)!r} has no checkpoint to resume from")
        trainer.load_checkpoint(latest)
        return trainer

    def latest_checkpoint(self) -> Path | None:
        found = sorted(self.checkpoint_dir.glob("checkpoint_*.msgpack"))
        return found[-1] if found else None

    def _state_tree(self) -> dict[str, Any]:
        tree = {
            "learner": {"params": self.learner.params,
                        "opt_state": jax.tree_util.tree_leaves(self.learner.opt_state),
                        "norm": self.learner.norm._asdict()},
            "key": np.asarray(self.key),
            "env": self.env.state._asdict(),
            "loop": {"carry": self.carry, "first": self.first, "side": self.side, "opp_kind": self.opp_kind,
                     "opp_snap": self.opp_snap, "term_sums": self.term_sums,
                     "update": np.int64(self.update)},
            "pool": self.pool.state(),
        }
        if hasattr(self.scripted, "retreat"):
            tree["scripted"] = {"retreat": self.scripted.retreat, "build_pos": self.scripted.build_pos}
        return tree

    def save_checkpoint(self) -> Path:
        path = self.checkpoint_dir / f"checkpoint_{self.update:08d}.msgpack"
        meta = {"network": self.network, "update": self.update, "hero_steps": self.hero_steps(),
                "rng": json.dumps([self.rng.bit_generator.state, self.random.rng.bit_generator.state])}
        checkpoint.save(path, meta, self._state_tree())
        for old in sorted(self.checkpoint_dir.glob("checkpoint_*.msgpack"))[:-self.cfg.train.keep_checkpoints]:
            old.unlink()
        return path

    def load_checkpoint(self, path: Path) -> None:
        meta, tree = checkpoint.load(path)
        checkpoint.check_network(path, meta, self.network)
        try:
            lt = tree["learner"]
            params = jax.tree_util.tree_map(jnp.asarray, lt["params"])
            leaves = [jnp.asarray(a) for a in lt["opt_state"]]
            layout = jax.tree_util.tree_structure(self.learner.opt_state)
            if len(leaves) != layout.num_leaves:
                raise checkpoint.CheckpointError(
                    f"checkpoint {str(path)!r} holds an optimiser state of {len(leaves)} arrays where this "
                    f"version's has {layout.num_leaves}: it was written by another version of moba")
            opt_state = jax.tree_util.tree_unflatten(layout, leaves)
            norm = as_normalizer(lt["norm"])
            for name, value in tree["env"].items():
                np.copyto(getattr(self.env.state, name), value)
            loop = tree["loop"]
            for name in ("carry", "first", "side", "opp_kind", "opp_snap", "term_sums"):
                np.copyto(getattr(self, name), loop[name])
            if "scripted" in tree:
                self.scripted.act(self.env, self.step, 0)  # allocates its memory
                np.copyto(self.scripted.retreat, tree["scripted"]["retreat"])
                np.copyto(self.scripted.build_pos, tree["scripted"]["build_pos"])
            rng_state, random_state = json.loads(meta["rng"])
        except (KeyError, TypeError, ValueError) as e:
            raise checkpoint.CheckpointError(f"checkpoint {str(path)!r} is incomplete or damaged ({e})") from None
        self.learner = Learner(params, opt_state, norm)
        self.key = jnp.asarray(tree["key"], jnp.uint32)
        self.update = int(loop["update"])
        self.pool.restore(tree["pool"])
        self.rng.bit_generator.state = rng_state
        self.random.rng.bit_generator.state = random_state
        self.step = self.env.view()
        self.recorder.start(self.env)  # games in progress are recorded from here on

    # --- games and opponents

    def _side_names(self, g: int) -> tuple[str, str]:
        opponent = OPPONENT_KINDS[self.opp_kind[g]]
        if self.opp_kind[g] == PAST:
            opponent = f"{self.run_dir.name}@{self.opp_snap[g]}"
        names = ("learner", opponent)
        return names if self.side[g] == 0 else names[::-1]

    def _new_game(self, slot: int) -> None:
        kind = int(self.slot_kind[slot])
        if kind == PAST and len(self.pool) == 0:  # no snapshot yet: the latest plays
            kind = LATEST
        self.side[slot] = self.rng.integers(2)
        self.opp_kind[slot] = kind
        self.opp_snap[slot] = self.pool.sample(self.rng) if kind == PAST else -1
        self.term_sums[slot] = 0.0

    def _act(self, params, norm, x: Inputs, mask_target, carry):
        self.key, k = jax.random.split(self.key)
        return self.act_fn(params, norm, carry, x, mask_target, k)

    def _opponent_rows(self, games: np.ndarray) -> np.ndarray:
        """Hero index [n, 5] of the opponent's heroes in each of `games`."""
        return (1 - self.side[games])[:, None] * HEROES_PER_TEAM + np.arange(HEROES_PER_TEAM)

    def _trained_rows(self) -> np.ndarray:
        """Hero index [N, 5] of each trained sequence in its game (`trained_games`)."""
        learner = self.side[:, None] * HEROES_PER_TEAM + np.arange(HEROES_PER_TEAM)
        return np.concatenate([learner, self._opponent_rows(self.trained_games[len(learner):])])

    def _snapshot_act(self, actions: np.ndarray, shop: np.ndarray | None) -> None:
        """Overwrite the actions (and LSTM state) of the opponent heroes of
        games that play a snapshot (`shop`: the scripted bot's actions of
        every hero, with scripted purchases). One call for all of them, the policy
        vmapped over the snapshots in play: a call per snapshot would cost
        a full pool's worth of small calls every step."""
        g_all = np.flatnonzero(self.opp_kind == PAST)
        if not len(g_all):
            return
        snaps, which = np.unique(self.opp_snap[g_all], return_inverse=True)
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
        rows = self._opponent_rows(flat)
        x, mt = hero_inputs(jax.tree_util.tree_map(lambda a: a[flat], self.step), rows, self.first[flat],
                            None if shop is None else hero_rows(shop[flat], rows))
        carry = self.carry[flat[:, None], rows]
        per_snapshot = lambda a: a.reshape((S, B * HEROES_PER_TEAM) + a.shape[1:])  # noqa: E731
        x, mt, carry = jax.tree_util.tree_map(per_snapshot, (x, mt, carry.reshape((-1,) + carry.shape[2:])))
        params, norm = self._stacked_snapshots(tuple(snaps) + (snaps[0],) * (S - len(snaps)))
        self.key, k = jax.random.split(self.key)
        new_carry, a, *_ = self.snapshot_act_fn(params, norm, carry, x, mt, jax.random.split(k, S))
        g = games[valid]
        rows = self._opponent_rows(g)
        back = lambda a: np.asarray(a).reshape((S, B, HEROES_PER_TEAM) + a.shape[2:])[valid]  # noqa: E731
        self.carry[g[:, None], rows] = back(new_carry)
        actions[g[:, None], rows] = back(a)

    def _stacked_snapshots(self, steps: tuple[int, ...]) -> tuple[Any, Normalizer]:
        """The weights and normalisers of the snapshots of `steps`, stacked on
        a leading axis; kept while the same snapshots are in play (they
        change only when a game against one ends)."""
        if self._stacked[0] != steps:
            trees = [self.pool.load(int(step)) for step in steps]
            stack = lambda *a: jnp.stack(a)  # noqa: E731  (on the device once, not at every call)
            params = jax.tree_util.tree_map(stack, *[t["params"] for t in trees])
            norm = as_normalizer(jax.tree_util.tree_map(stack, *[t["norm"] for t in trees]))
            self._stacked = (steps, (params, norm))
        return self._stacked[1]

    def _bot_act(self, actions: np.ndarray, kind: int, agent) -> None:
        games = np.flatnonzero(self.opp_kind == kind)
        for team in (0, 1):
            g = games[self.side[games] != team]
            if len(g):
                team_actions = agent.act(self.env, self.step, team)
                actions[g, team * HEROES_PER_TEAM:(team + 1) * HEROES_PER_TEAM] = team_actions[g]

    def _group_minute(self, team: int) -> np.ndarray:
        """Each game's grouping time for the bot's choices for `team`: the
        scripted opponent's own, the teacher's wherever it labels or shops
        for the network's heroes."""
        bot_side = (self.opp_kind == SCRIPTED) & (self.side != team)
        return np.where(bot_side, self.scripted.group_minute, self.cfg.ppo.teacher_group_minute)

    def _scripted_act(self, actions: np.ndarray, bot: np.ndarray) -> None:
        """Play the scripted bot's actions `bot` [G, 10, 5], chosen for every
        hero, in the games against it. Its choice in the trained heroes'
        positions (grouping at the teacher's time) is the kickstart label
        (kept after the weight reaches 0, so `loss/kickstart` still shows how
        far the learner has moved from the bot), and its purchases are the
        network's heroes' with `policy.scripted_purchases`."""
        games = np.flatnonzero(self.opp_kind == SCRIPTED)
        g, rows = games[:, None], self._opponent_rows(games)
        actions[g, rows] = bot[g, rows]

    # --- the loop

    def rollout(self, tau: float, stats: dict[str, list]) -> tuple[Batch, np.ndarray, dict[str, float]]:
        cfg, G, T = self.cfg, self.cfg.train.num_games, self.cfg.ppo.rollout_steps
        all_rows = np.broadcast_to(np.arange(10), (G, 10))
        games = self.trained_games
        timing = defaultdict(float)
        store: dict[str, list] = defaultdict(list)
        for t in range(T):
            t0 = time.perf_counter()
            at = (games[:, None], self._trained_rows())  # the trained heroes in [G, 10] arrays
            bot = np.concatenate([self.scripted.act(self.env, self.step, team, self._group_minute(team))
                                  for team in (0, 1)], axis=1)
            shop = bot if cfg.policy.scripted_purchases else None
            x, mask_target = hero_inputs(self.step, all_rows, self.first, shop)
            carry_before = self.carry.copy()
            new_carry, actions, logp, value, chosen = self._act(
                self.learner.params, self.learner.norm, x, mask_target,
                self.carry.reshape(G * 10, *self.carry.shape[2:]))
            actions = np.array(actions).reshape(G, 10, -1)
            self.carry[:] = np.asarray(new_carry).reshape(self.carry.shape)
            self._snapshot_act(actions, shop)
            self._scripted_act(actions, bot)
            self._bot_act(actions, RANDOM, self.random)
            played = actions
            # The network's heroes, on both sides, shop by script; the batch keeps
            # the network's own choice, to which a purchase is part of the game.
            if shop is not None:
                policy_side = np.isin(self.opp_kind, (LATEST, PAST))[:, None] | (
                    np.arange(10) // HEROES_PER_TEAM == self.side[:, None])
                played = with_scripted_purchases(actions, bot, policy_side)
            t1 = time.perf_counter()

            pick = lambda a: np.asarray(a).reshape((G, 10) + np.shape(a)[1:])[at]  # noqa: E731
            if t % cfg.ppo.chunk == 0:
                store["carry"].append(pick(carry_before.reshape(G * 10, *self.carry.shape[2:])))
            for name, a in (("obs", x.obs), ("lane", x.lane), ("mask_type", x.mask_type),
                            ("mask_offset", x.mask_offset), ("mask_item", x.mask_item), ("mask_target", chosen),
                            ("logp", logp), ("value", value)):
                store[name].append(pick(a))
            store["actions"].append(actions[at])
            teacher = bot[at]
            store["teacher"].append(teacher)
            store["teacher_mask_target"].append(np.take_along_axis(
                pick(mask_target), teacher[..., :1, None].astype(np.intp), axis=2)[:, :, 0])
            store["first"].append(np.repeat(self.first[games, None], HEROES_PER_TEAM, 1))

            ticks = self.env.state.gi[:, F.TICK].copy()
            self.step = self.env.step(played)
            self.recorder.after_step(self.env, played, np.asarray(value).reshape(G, 2, HEROES_PER_TEAM).mean(-1))
            t2 = time.perf_counter()
            rewards, terms = shaped_rewards(self.step.events, cfg.rewards, tau, ticks)
            store["reward"].append(rewards[at])
            self.term_sums += hero_rows(terms, at[1][:G]).mean(axis=1)
            done = self.step.done.copy()
            store["done"].append(np.repeat(done[games, None], HEROES_PER_TEAM, 1))
            for g in np.flatnonzero(done):
                self._game_over(g, stats)
            self.first = done
            t3 = time.perf_counter()
            timing["inference_s"] += t1 - t0
            timing["env_s"] += (t2 - t1) + (t3 - t2)

        # bootstrap values of the positions the rollout stopped at
        t0 = time.perf_counter()
        x, mask_target = hero_inputs(self.step, all_rows, self.first)
        _, _, _, last_value, _ = self._act(self.learner.params, self.learner.norm, x, mask_target,
                                           self.carry.reshape(G * 10, *self.carry.shape[2:]))
        last_value = np.asarray(last_value).reshape(G, 10)[games[:, None], self._trained_rows()]
        timing["inference_s"] += time.perf_counter() - t0

        flat = {k: np.stack(v).reshape((len(v), len(games) * HEROES_PER_TEAM) + np.shape(v[0])[2:])
                for k, v in store.items()}
        batch = Batch(
            x=Inputs(obs=flat["obs"], first=flat["first"], lane=flat["lane"], mask_type=flat["mask_type"],
                     mask_offset=flat["mask_offset"], mask_item=flat["mask_item"]),
            mask_target=flat["mask_target"], actions=flat["actions"], logp=flat["logp"],
            value=flat["value"], reward=flat["reward"], done=flat["done"].astype(np.float32),
            carry=flat["carry"], teacher=flat["teacher"], teacher_mask_target=flat["teacher_mask_target"])
        return batch, last_value.reshape(-1), dict(timing)

    def _game_over(self, g: int, stats: dict[str, list]) -> None:
        winner = int(self.step.winner[g])
        won = winner == self.side[g]
        kind = OPPONENT_KINDS[self.opp_kind[g]]
        finished = {f"win_rate/{kind}": float(won), "game/draw_rate": float(winner == 2),
                    "game/length_minutes": float(self.step.length[g]) / 1800.0,
                    "reward/total_shaped": float(self.term_sums[g].sum()),
                    **{f"reward/{name}": v for name, v in zip(EVENT_NAMES, self.term_sums[g])}}
        for name, value in finished.items():
            stats.setdefault(name, []).append(value)
        if self.opp_kind[g] == PAST and won:
            self.pool.learner_won(int(self.opp_snap[g]))
        self._new_game(g)

    def progress(self) -> float:
        """How far through the run (0 to 1) the schedules (learning rate,
        entropy bonus, team spirit) are: by updates; `moba bench learn`,
        whose runs last a fixed time, puts time in its place."""
        return min(1.0, self.update / max(1, self.updates_total))

    def train_once(self, stats: dict[str, list]) -> dict[str, float]:
        """One rollout and one PPO update; returns the update's metrics."""
        cfg = self.cfg
        progress = self.progress()
        lr, ent_coef = cfg.ppo.learning_rate_at(progress), cfg.ppo.entropy_coef_at(progress)
        tau = cfg.rewards.tau(progress)
        t_start = time.perf_counter()
        kick_coef = linear(cfg.ppo.kickstart_coef, 0.0, self.hero_steps() / cfg.ppo.kickstart_steps)
        batch, last_value, timing = self.rollout(tau, stats)
        t0 = time.perf_counter()
        batch = jax.tree_util.tree_map(jnp.asarray, batch)
        adv, ret = gae(batch.reward, batch.value, batch.done, jnp.asarray(last_value),
                       cfg.ppo.gamma, cfg.ppo.gae_lambda)
        self.key, k = jax.random.split(self.key)
        learner, m = self.update_fn(self.learner, batch, adv, ret, k, lr, ent_coef, kick_coef)
        m = {k: np.asarray(v) for k, v in m.items()}
        if not np.isfinite(m["loss"]):
            raise TrainingError(
                f"the loss became {m['loss']} at update {self.update + 1}; training stopped. "
                f"The last good checkpoint is kept: {self.latest_checkpoint()}")
        self.learner = learner._replace(norm=self.normalizer_update(learner.norm, batch.x.obs))
        self.update += 1
        timing["learning_s"] = time.perf_counter() - t0
        total = time.perf_counter() - t_start
        n = self.cfg.decisions_per_update()
        out = {f"loss/{k}": float(m[k]) for k in ("loss", "policy_loss", "value_loss")}
        out |= {"policy/approx_kl": float(m["approx_kl"]), "policy/clip_fraction": float(m["clip_fraction"]),
                "policy/entropy": float(m["entropy"]), "policy/grad_norm": float(m["grad_norm"]),
                "policy/explained_variance": explained_variance(batch.value, ret),
                "schedule/learning_rate": lr,
                "schedule/entropy_coef": ent_coef, "schedule/team_spirit": tau,
                "schedule/kickstart_coef": kick_coef, "loss/kickstart": float(m["kickstart_loss"]),
                "perf/hero_steps_per_s": n / total}
        out |= {f"entropy/{name}": float(v) for name, v in zip(HEAD_NAMES, m["entropy_per_head"])}
        out |= {f"perf/{k.removesuffix('_s')}_share": v / total for k, v in timing.items()}
        counts = np.bincount(np.asarray(batch.actions[..., 0]).ravel(), minlength=NUM_ACTION_TYPES)
        out |= {f"actions/{name}": c / counts.sum() for name, c in zip(ACTION_TYPE_NAMES, counts)}
        out["pool/size"] = len(self.pool)
        return out

    def add_snapshot(self) -> None:
        """Put the current parameters in the opponent pool and register them
        in the run's league (`league.sqlite`) as a learned agent."""
        step = self.hero_steps()
        self.pool.add(step, {"network": self.network},
                      {"params": self.learner.params, "norm": self.learner.norm._asdict()})
        parent = f"{self.run_dir.name}@{self.pool.steps[-2]}" if len(self.pool) > 1 else None
        with LeagueStore(self.run_dir / "league.sqlite") as store:
            store.add_agent(f"{self.run_dir.name}@{step}", "learned", checkpoint=str(self.pool.path(step).resolve()),
                            run=str(self.run_dir.resolve()), step=step, parent=parent, exist_ok=True)

    def run(self, on_update: Callable[[int, dict[str, float]], None] | None = None) -> None:
        """Train until `total_steps`, or until SIGINT/SIGTERM (which finish
        the update in progress and save a checkpoint first)."""
        from tensorboardX import SummaryWriter

        self.write_config()
        writer = SummaryWriter(str(self.run_dir / "tb"), purge_step=self.hero_steps() or None)
        previous = {s: signal.signal(s, self._request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        stats: dict[str, list] = {}
        try:
            while self.update < self.updates_total and not self.stop_requested:
                metrics = self.train_once(stats)
                for name, values in stats.items():
                    metrics[name] = float(np.mean(values))
                stats.clear()
                step = self.hero_steps()
                for name, value in metrics.items():
                    writer.add_scalar(name, value, step)
                if self.update % self.cfg.train.snapshot_every == 0:
                    self.add_snapshot()
                if self.update % self.cfg.train.checkpoint_every == 0:
                    self.save_checkpoint()
                if on_update is not None:
                    on_update(self.update, metrics)
            self.save_checkpoint()
        finally:
            writer.close()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _request_stop(self, signum, frame) -> None:
        if self.stop_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.stop_requested = True
