"""The policy network (flax), shared by the five heroes of a team.

As in OpenAI Five: each unit row of the observation goes through one encoder
shared over the K slots and is max-pooled; the hero's own, allies', global
and minimap features and learned embeddings of the hero's id and of its
assigned lane join it; an LSTM carries memory between decisions; one head
per action component reads its output.
The target head is a pointer: a query from the LSTM output and the chosen
action type, dotted with each unit's embedding. Masks are applied before
every softmax, and heads the chosen type does not read (`ACTION_HEADS`) add
nothing to the log-probability or the entropy, so they get no gradient.

The network sees every game from Radiant's corner. The map is
point-symmetric, so a Dire hero's observation is reflected through the centre
(positions, the minimap, buildings renumbered by their mirror, the team flag
cleared) and its offset heads are reflected back: pushing toward the enemy
base is then one behaviour for both sides, and either side's experience
teaches the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from engine.cache import cache_root
from engine.config import GameConfig, Settings, setting
from engine.constants import ACTION_HEADS, NUM_ACTION_TYPES, NUM_LANES, OFFSET_BINS
from engine.mapgen import MIRROR_BUILDING
from engine.spec import (
    A_REL_X,
    A_REL_Y,
    ALLY_F,
    G_ENEMY_BUILDINGS,
    G_OWN_BUILDINGS,
    G_TEAM,
    MINIMAP_CHANNELS,
    S_HERO_ID,
    S_TEAM,
    S_X,
    S_Y,
    U_ABS_X,
    U_ABS_Y,
    U_PRESENT,
    U_REL_X,
    U_REL_Y,
    UNIT_F,
    obs_layout,
)
from engine.tables import HEROES, ITEMS

NEG = -1e9  # logit of a masked choice

# XLA's programs go to disk beside the engine's kernels, every one of them
# (a small network compiles in well under the default 1 s threshold), so a
# resumed run, a Ray worker or a second command loads what an earlier process
# compiled (JAX keys each on the program, its options and its version). A
# cache the user set up is left as it is.
if not jax.config.jax_compilation_cache_dir:
    jax.config.update("jax_compilation_cache_dir", str(cache_root() / "xla"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


@dataclass(frozen=True)
class PolicyConfig(Settings):
    """The network's sizes (the defaults train on a CPU)."""

    section = "policy"

    unit_width: int = setting(64, 8, 4096, "width of the per-unit encoder and of the pointer's keys")
    hidden: int = setting(128, 8, 8192, "width of the LSTM and the layers around it")
    hero_embed: int = setting(16, 1, 512, "width of the learned hero-id and lane embeddings")
    obs_clip: float = setting(5.0, 0.1, 1e6, "normalised observations are clipped to +-this (Five: 5)")


class Shapes(NamedTuple):
    """What a network is built for; a checkpoint must match it."""

    obs_size: int
    obs_units: int
    minimap: int
    num_items: int


class Normalizer(NamedTuple):
    """Running mean and variance of every observation feature (Chan et al.'s
    parallel update), applied as (x - mean) / std clipped."""

    mean: jax.Array
    var: jax.Array
    count: jax.Array


def normalizer_init(size: int) -> Normalizer:
    return Normalizer(jnp.zeros(size, jnp.float32), jnp.ones(size, jnp.float32), jnp.array(1e-4, jnp.float32))


@jax.jit
def normalizer_update(n: Normalizer, batch: jax.Array) -> Normalizer:
    x = batch.reshape(-1, batch.shape[-1])
    b_mean, b_var, b_count = x.mean(0), x.var(0), x.shape[0]
    delta = b_mean - n.mean
    total = n.count + b_count
    mean = n.mean + delta * b_count / total
    m2 = n.var * n.count + b_var * b_count + delta**2 * n.count * b_count / total
    return Normalizer(mean, m2 / total, total)


def normalize(n: Normalizer, obs: jax.Array, clip: float) -> jax.Array:
    return jnp.clip((obs - n.mean) / jnp.sqrt(n.var + 1e-8), -clip, clip)


def _reflection(shapes: "Shapes") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source index, scale, shift) per feature: Dire's observation seen from
    Radiant's corner is obs[source] * scale + shift."""
    lay = obs_layout(shapes.obs_units, shapes.minimap)
    source = np.arange(shapes.obs_size)
    scale = np.ones(shapes.obs_size, np.float32)
    shift = np.zeros(shapes.obs_size, np.float32)
    rows = lay.units + UNIT_F * np.arange(shapes.obs_units)
    for rel in (rows + U_REL_X, rows + U_REL_Y, lay.allies + ALLY_F * np.arange(4) + A_REL_X,
                lay.allies + ALLY_F * np.arange(4) + A_REL_Y):
        scale[rel] = -1.0
    for frac in (rows + U_ABS_X, rows + U_ABS_Y, lay.self_ + S_X, lay.self_ + S_Y):
        scale[frac], shift[frac] = -1.0, 1.0
    scale[[lay.self_ + S_TEAM, lay.global_ + G_TEAM]] = 0.0  # every side is Radiant now
    for block in (G_OWN_BUILDINGS, G_ENEMY_BUILDINGS):
        source[lay.global_ + block + np.arange(len(MIRROR_BUILDING))] = lay.global_ + block + MIRROR_BUILDING
    cells = shapes.minimap * shapes.minimap  # reversing a row-major grid flips both axes
    for c in range(MINIMAP_CHANNELS):
        start = lay.minimap + c * cells
        source[start:start + cells] = source[start:start + cells][::-1]
    return source, scale, shift


def from_radiant_corner(x: "Inputs", shapes: "Shapes") -> "Inputs":
    """The inputs as the network sees them: the observations [B, D] of the
    Dire rows reflected (see the module docstring)."""
    lay = obs_layout(shapes.obs_units, shapes.minimap)
    source, scale, shift = _reflection(shapes)
    obs, k = x.obs, lay.self_
    # The unit rows (first) keep their order: reflected in place, which
    # XLA does faster than a gather. Padding rows stay zero.
    present = obs[:, U_PRESENT:k:UNIT_F, None]
    units = (obs[:, :k] * scale[:k] + shift[:k]).reshape(-1, shapes.obs_units, UNIT_F) * present
    reflected = jnp.concatenate([units.reshape(-1, k), obs[:, source[k:]] * scale[k:] + shift[k:]], axis=1)
    return x._replace(obs=jnp.where(x.dire[:, None], reflected, obs))


def reading_dire(params, norm: Normalizer, shapes: "Shapes", clip: float) -> tuple[dict, Normalizer]:
    """Weights and normalizer that read Dire's raw observations as `params`
    and `norm` read them reflected (`from_radiant_corner`): the reflection
    folded into the normalizer and the first layers, so a batch of Dire
    heroes is not reflected at every decision. Clipping is odd, so a sign
    passes through it to the layer's kernel; a feature the reflection
    replaces by a constant adds that constant's term to the layer's bias.
    Equal up to rounding, except the embeddings of padding unit rows, which
    no choice reads (`sample`)."""
    lay = obs_layout(shapes.obs_units, shapes.minimap)
    source, scale, shift = _reflection(shapes)
    raw = np.argsort(source)  # network feature read from each raw feature
    k = lay.self_
    mean = jnp.where(scale != 0, scale * (norm.mean - shift), norm.mean)[raw]
    fixed = jnp.clip((shift - norm.mean) / jnp.sqrt(norm.var + 1e-8), -clip, clip) * (scale == 0)
    p = params["params"]
    units, other = p["unit_enc_0"], p["other_enc"]
    assert (scale[:k].reshape(-1, UNIT_F) == scale[:UNIT_F]).all(), "every unit row reflects alike"
    folded = {
        "unit_enc_0": {**units, "kernel": units["kernel"] * scale[:UNIT_F, None]},
        "other_enc": {"kernel": (other["kernel"] * scale[k:, None])[raw[k:] - k],
                      "bias": other["bias"] + fixed[k:] @ other["kernel"]},
    }
    return {"params": {**p, **folded}}, Normalizer(mean, norm.var[raw], norm.count)


class Inputs(NamedTuple):
    """One decision of B heroes: observation and masks. The network reads
    the observation from Radiant's corner (`from_radiant_corner`); a
    rollout's batch keeps it so, and it is raw only between the engine
    and acting (`agents.policy_agent.make_act`)."""

    obs: jax.Array  # [B, D] float32
    dire: jax.Array  # [B] bool: the hero plays Dire
    first: jax.Array  # [B] bool: first decision of a game (the LSTM starts afresh)
    lane: jax.Array  # [B] int32: the hero's lane (`agents.roles`)
    mask_type: jax.Array  # [B, T] bool
    mask_offset: jax.Array  # [B, 9] bool (x and y share it)
    mask_item: jax.Array  # [B, I] bool


class Outputs(NamedTuple):
    type_logits: jax.Array  # [B, T], masked
    units: jax.Array  # [B, K, W] unit embeddings (pointer keys)
    query_core: jax.Array  # [B, H] LSTM output the pointer query is built from
    offset_x: jax.Array  # [B, 9], masked
    offset_y: jax.Array
    item: jax.Array  # [B, I], masked
    value: jax.Array  # [B]
    win: jax.Array  # [B] logit of the probability that the hero's team wins


def _masked(logits: jax.Array, mask: jax.Array) -> jax.Array:
    # A head whose mask is empty is unused by the chosen type: keep it finite.
    mask = mask | ~mask.any(-1, keepdims=True)
    return jnp.where(mask, logits, NEG)


class Policy(nn.Module):
    config: PolicyConfig
    shapes: Shapes

    def setup(self) -> None:
        c = self.config
        self.unit_enc = [nn.Dense(c.unit_width), nn.Dense(c.unit_width)]
        self.other_enc = nn.Dense(c.hidden)
        self.hero_emb = nn.Embed(len(HEROES) + 1, c.hero_embed)
        self.lane_emb = nn.Embed(NUM_LANES, c.hero_embed)
        self.trunk = nn.Dense(c.hidden)
        self.lstm = nn.OptimizedLSTMCell(c.hidden)
        self.type_head = nn.Dense(NUM_ACTION_TYPES)
        self.type_emb = nn.Embed(NUM_ACTION_TYPES, c.hidden)
        self.query = nn.Dense(c.unit_width)
        self.offset_x_head = nn.Dense(OFFSET_BINS)
        self.offset_y_head = nn.Dense(OFFSET_BINS)
        self.item_head = nn.Dense(self.shapes.num_items)
        self.value_head = nn.Dense(1)
        self.win_head = [nn.Dense(c.hidden), nn.Dense(1)]

    def __call__(self, norm: Normalizer, carry: jax.Array, x: Inputs) -> tuple[jax.Array, Outputs]:
        """One decision: carry [B, 2, H] -> (new carry, outputs)."""
        h, units, dire = self.encode(norm, x)
        carry, core = self.recur(carry, h, x.first)
        return carry, self.heads(core, units, dire, x)

    def encode(self, norm: Normalizer, x: Inputs) -> tuple[jax.Array, jax.Array, jax.Array]:
        """(LSTM input [B, H], unit embeddings [B, K, W], the Dire rows [B])."""
        s = self.shapes
        lay = obs_layout(s.obs_units, s.minimap)
        b, raw, dire = x.obs.shape[0], x.obs, x.dire
        obs = normalize(norm, raw, self.config.obs_clip)
        present = raw[:, : lay.self_].reshape(b, s.obs_units, UNIT_F)[..., U_PRESENT] > 0.5
        hero_id = jnp.clip(raw[:, lay.self_ + S_HERO_ID].astype(jnp.int32), 0, len(HEROES))
        # Dire's lane k is Radiant's lane NUM_LANES - 1 - k reflected (`engine.mapgen`).
        lane = jnp.where(dire, NUM_LANES - 1 - x.lane, x.lane)

        u = obs[:, : lay.self_].reshape(b, s.obs_units, UNIT_F)
        for layer in self.unit_enc:
            u = nn.relu(layer(u))
        pooled = jnp.where(present[..., None], u, NEG).max(axis=1)
        pooled = jnp.where(present.any(-1, keepdims=True), pooled, 0.0)
        other = nn.relu(self.other_enc(obs[:, lay.self_:]))
        h = nn.relu(self.trunk(jnp.concatenate(
            [pooled, other, self.hero_emb(hero_id), self.lane_emb(lane)], -1)))
        return h, u, dire

    def recur(self, carry: jax.Array, h: jax.Array, first: jax.Array) -> tuple[jax.Array, jax.Array]:
        """One LSTM step: (new carry [B, 2, H], output [B, H]); a game's first
        decision starts from zeros."""
        carry = jnp.where(first[:, None, None], 0.0, carry)
        (c, hh), core = self.lstm((carry[:, 0], carry[:, 1]), h)
        return jnp.stack([c, hh], axis=1), core

    def heads(self, core: jax.Array, units: jax.Array, dire: jax.Array, x: Inputs) -> Outputs:
        def world(offset_logits):  # bin i seen from Radiant's corner is bin OFFSET_BINS - 1 - i on Dire's side
            return jnp.where(dire[:, None], offset_logits[:, ::-1], offset_logits)

        return Outputs(
            type_logits=_masked(self.type_head(core), x.mask_type),
            units=units,
            query_core=core,
            offset_x=_masked(world(self.offset_x_head(core)), x.mask_offset),
            offset_y=_masked(world(self.offset_y_head(core)), x.mask_offset),
            item=_masked(self.item_head(core), x.mask_item),
            value=self.value_head(core)[:, 0],
            win=self.win(core),
        )

    def win(self, core: jax.Array) -> jax.Array:
        # Trained on game outcomes alone and kept off the trunk's gradient, so
        # the win probability reads the network without changing what it learns.
        h = nn.relu(self.win_head[0](jax.lax.stop_gradient(core)))
        return self.win_head[1](h)[:, 0]

    def target_logits(self, out: Outputs, action_type: jax.Array, mask: jax.Array) -> jax.Array:
        """Pointer logits over the K unit rows for the chosen type [B], under
        that type's target mask [B, K]."""
        q = self.query(out.query_core + self.type_emb(action_type))
        logits = jnp.einsum("bkw,bw->bk", out.units, q) / np.sqrt(self.config.unit_width)
        return _masked(logits, mask)


def unroll(policy: Policy, params, norm: Normalizer, carry: jax.Array, x: Inputs) -> Outputs:
    """Decisions of B heroes over L steps, time-major ([L, B, ...] inputs,
    carry [B, 2, H] at the start), as L calls of the policy would make
    them, but the encoders and heads run over all L x B rows at once and
    only the LSTM step by step. Outputs are [L * B, ...], time-major."""
    L, B = x.first.shape
    flat = jax.tree_util.tree_map(lambda a: a.reshape((L * B,) + a.shape[2:]), x)
    h, units, dire = policy.apply(params, norm, flat, method=Policy.encode)

    def step(c, inputs):
        return policy.apply(params, c, *inputs, method=Policy.recur)

    _, core = jax.lax.scan(step, carry, (h.reshape(L, B, -1), x.first))
    return policy.apply(params, core.reshape(L * B, -1), units, dire, flat, method=Policy.heads)


HEADS_USED = np.array(ACTION_HEADS, np.float32)  # [T, 5] (numpy: importing this module starts no JAX)


def _logp(logits: jax.Array, a: jax.Array) -> jax.Array:
    return jnp.take_along_axis(jax.nn.log_softmax(logits), a[:, None], axis=-1)[:, 0]


def _entropy(logits: jax.Array) -> jax.Array:
    logp = jax.nn.log_softmax(logits)
    return -(jnp.exp(logp) * logp).sum(-1)


def head_logits(policy: Policy, params, out: Outputs, action_type: jax.Array,
                mask_target: jax.Array) -> list[jax.Array]:
    """Logits of the five heads, the target's given the chosen type and its mask [B, K]."""
    target = policy.apply(params, out, action_type, mask_target, method=Policy.target_logits)
    return [out.type_logits, target, out.offset_x, out.offset_y, out.item]


def log_prob_entropy(policy: Policy, params, out: Outputs, actions: jax.Array,
                     mask_target: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Log-probability of `actions` [B, 5] and each head's entropy [B, 5];
    heads the chosen type ignores count zero in both. `mask_target` [B, K] is
    the chosen type's target mask."""
    logits = head_logits(policy, params, out, actions[:, 0], mask_target)
    used = jnp.asarray(HEADS_USED)[actions[:, 0]]
    ent = jnp.stack([used[:, i] * _entropy(lg) for i, lg in enumerate(logits)], axis=1)
    return _joint_logp(logits, actions), ent


def _joint_logp(logits: list[jax.Array], actions: jax.Array) -> jax.Array:
    """Sum of the log-probabilities of the heads the chosen type reads."""
    used = jnp.asarray(HEADS_USED)[actions[:, 0]]
    return sum(used[:, i] * _logp(lg, actions[:, i]) for i, lg in enumerate(logits))


def categorical(u: jax.Array, logits: jax.Array) -> jax.Array:
    """A draw from softmax(logits) [B, N] per row, from one uniform u [B] in
    [0, 1) per row: the first choice whose cumulative probability exceeds
    u. (The Gumbel trick of `jax.random.categorical` needs a random number
    per choice, and XLA makes random numbers slowly on the CPU: a fifth of
    a decision's time.) A choice of probability 0 is never drawn."""
    cdf = jnp.cumsum(jax.nn.softmax(logits), -1)
    below = (cdf <= u[:, None] * cdf[:, -1:]).sum(-1)
    return jnp.minimum(below, logits.shape[-1] - 1)


def sample(policy: Policy, params, out: Outputs, mask_target: jax.Array,
           key: jax.Array, greedy: bool = False) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Sample actions [B, 5] (type first, then the rest given it) under the
    target masks of every type [B, T, K]; returns the actions (0 in the
    heads the type does not read), their log-probability and the chosen
    type's target mask [B, K]. `greedy` takes each head's most likely
    choice instead."""
    def pick(u, logits):
        return jnp.argmax(logits, -1) if greedy else categorical(u, logits)

    u = jax.random.uniform(key, (5, out.type_logits.shape[0]))
    action_type = pick(u[0], out.type_logits)
    chosen_mask = jnp.take_along_axis(mask_target, action_type[:, None, None], axis=1)[:, 0]
    logits = head_logits(policy, params, out, action_type, chosen_mask)
    rest = [pick(u_i, lg) for u_i, lg in zip(u[1:], logits[1:])]
    # A head the type does not read is 0, so an action is one thing however it was drawn.
    used = jnp.asarray(HEADS_USED[:, 1:], bool)[action_type]
    actions = jnp.stack([action_type, *(jnp.where(used[:, i], a, 0) for i, a in enumerate(rest))], axis=1)
    actions = actions.astype(jnp.int32)
    return actions, _joint_logp(logits, actions), chosen_mask


def init_params(policy: Policy, key: jax.Array):
    """Fresh parameters of every layer, the pointer's included."""
    s, hidden = policy.shapes, policy.config.hidden
    b = 1
    x = Inputs(jnp.zeros((b, s.obs_size)), jnp.zeros(b, bool), jnp.ones(b, bool), jnp.zeros(b, jnp.int32),
               jnp.ones((b, NUM_ACTION_TYPES), bool), jnp.ones((b, OFFSET_BINS), bool),
               jnp.ones((b, s.num_items), bool))
    norm = normalizer_init(s.obs_size)
    params = policy.init(key, norm, jnp.zeros((b, 2, hidden)), x)
    out = policy.apply(params, norm, jnp.zeros((b, 2, hidden)), x)[1]
    # The pointer's query and type embedding are only reached through target_logits.
    extra = policy.init(key, out, jnp.zeros(b, jnp.int32), jnp.ones((b, s.obs_units), bool),
                        method=Policy.target_logits)
    return {"params": {**params["params"], **extra["params"]}}


def with_win_head(params: dict, fresh: dict) -> tuple[dict, bool]:
    """`params`, and whether they have a win head of their own: a network
    from before the head gets `fresh`'s untrained one, so it loads, plays as
    before and resumes training."""
    if any(k.startswith("win_head") for k in params["params"]):
        return params, True
    head = {k: v for k, v in fresh["params"].items() if k.startswith("win_head")}
    return {"params": {**params["params"], **head}}, False


def shapes_for(game: GameConfig) -> Shapes:
    """The shapes of the observation and action heads of a game."""
    return Shapes(obs_size=obs_layout(game.obs_units, game.minimap_size).size, obs_units=game.obs_units,
                  minimap=game.minimap_size, num_items=len(ITEMS))
