"""How well a network's win probability is calibrated (`moba bench
calibration`): at sampled decisions of many evaluation games, its estimate
that Radiant wins beside the outcome, against a baseline that reads only
the net worth and building difference (a logistic fit on the other half of
the games). The same games fit the network's win head afresh on outcomes
(`fit_win_head`): the head trained during a short run has seen few games
end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import BatchEnv
from engine import fields as F
from engine.constants import HEROES_PER_TEAM, KIND_ANCIENT, KIND_BARRACKS, KIND_TOWER, NUM_HEROES
from engine.tables import ITEMS

BINS = 10


@dataclass
class Positions:
    """Sampled decisions of finished games: the network's P(Radiant wins)
    as played, the baseline's features, the network's LSTM output for each
    hero of its team (float16, what a win head reads), the network's side,
    the game it belongs to and the game's outcome (1 Radiant won, 0 Dire
    won, 0.5 a draw)."""

    p: list[np.ndarray] = field(default_factory=list)
    features: list[np.ndarray] = field(default_factory=list)
    core: list[np.ndarray] = field(default_factory=list)
    side: list[np.ndarray] = field(default_factory=list)
    game: list[np.ndarray] = field(default_factory=list)
    outcome: list[np.ndarray] = field(default_factory=list)

    def extend(self, other: "Positions") -> None:
        """Add `other`'s games, numbered after these."""
        offset = sum(1 for _ in self.game)
        for name in ("p", "features", "core", "side", "outcome"):
            getattr(self, name).extend(getattr(other, name))
        self.game.extend(g + offset for g in other.game)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(getattr(self, name)) for name in
                ("p", "features", "core", "side", "game", "outcome")}


ITEM_COST = np.array([it.cost for it in ITEMS] + [0.0], np.float32)  # index -1: an empty slot


def features(env: BatchEnv) -> np.ndarray:
    """[G, 3] Radiant minus Dire: the heroes' net worth (gold and items, in
    thousands) and standing buildings; and the game clock (minutes)."""
    s = env.state
    worth = s.hf[:, :NUM_HEROES, F.GOLD] + ITEM_COST[s.inv[:, :NUM_HEROES, :, F.INV_ITEM]].sum(-1)
    gold_diff = (worth[:, :HEROES_PER_TEAM].sum(1) - worth[:, HEROES_PER_TEAM:].sum(1)) / 1000.0
    building = np.isin(s.ui[..., F.KIND], (KIND_TOWER, KIND_BARRACKS, KIND_ANCIENT)) & (s.ui[..., F.ALIVE] == 1)
    team = s.ui[..., F.TEAM]
    buildings = (building & (team == 0)).sum(1) - (building & (team == 1)).sum(1)
    return np.stack([gold_diff, buildings, s.gi[:, F.TICK] / 1800.0], axis=1).astype(np.float32)


class Collector:
    """A `Recorder` stand-in for `league.play.play_games`: every `every`-th
    decision of each game, the network's estimate, the baseline's features
    and the network's LSTM output (`agent` keeps it: `keep_core`), filed
    under the game's outcome when it ends. `side` is the network's team."""

    def __init__(self, agent: Any, side: int, every: int = 32):
        self.agent, self.side, self.every = agent, side, every
        self.positions, self.games = Positions(), 0

    def start(self, env: BatchEnv) -> None:
        self._open: list[list[tuple[float, np.ndarray, np.ndarray]]] = [[] for _ in range(env.num_games)]
        self._count = np.zeros(env.num_games, np.int64)
        self._features = features(env)

    def after_step(self, env: BatchEnv, actions: np.ndarray, win: np.ndarray | None = None,
                   live: np.ndarray | None = None) -> None:
        step = env.view()
        own = win[:, self.side]
        radiant = own if self.side == 0 else 1.0 - own
        for g in range(env.num_games):
            if live is not None and not live[g]:
                continue
            if self._count[g] % self.every == 0:
                self._open[g].append((float(radiant[g]), self._features[g], self.agent.core[g].astype(np.float16)))
            self._count[g] += 1
            if step.done[g]:
                rows, winner = self._open[g], int(step.winner[g])
                n, pos = len(rows), self.positions
                pos.p.append(np.array([r[0] for r in rows], np.float32))
                pos.features.append(np.stack([r[1] for r in rows]))
                pos.core.append(np.stack([r[2] for r in rows]))
                pos.side.append(np.full(n, self.side, np.int8))
                pos.game.append(np.full(n, self.games))
                pos.outcome.append(np.full(n, (1.0, 0.0, 0.5)[winner], np.float32))
                self.games += 1
                self._open[g], self._count[g] = [], 0
        self._features = features(env)  # what the next decision is made on


def fit_win_head(policy: Any, params: dict, core: np.ndarray, won: np.ndarray, steps: int = 3000,
                 batch: int = 4096, seed: int = 0) -> dict:
    """`params` with the win head fitted to game outcomes: each hero's LSTM
    output `core` [N, 5, H] labelled with whether its team won `won` [N]
    (0.5 a draw), by binary cross-entropy with Adam. The rest of the
    network is unchanged, so it plays exactly as before."""
    import jax
    import jax.numpy as jnp
    import optax

    from agents.policy import Policy

    x = jnp.asarray(core.reshape(-1, core.shape[-1]), jnp.float32)
    y = jnp.asarray(np.repeat(won, core.shape[1]), jnp.float32)
    rest = {k: v for k, v in params["params"].items() if not k.startswith("win_head")}
    head = {k: v for k, v in params["params"].items() if k.startswith("win_head")}
    optimizer = optax.adam(1e-3)

    def loss(head, xb, yb):
        logits = policy.apply({"params": {**rest, **head}}, xb, method=Policy.win)
        return optax.sigmoid_binary_cross_entropy(logits, yb).mean()

    @jax.jit
    def step(head, state, key, x, y):
        idx = jax.random.randint(key, (batch,), 0, x.shape[0])
        grads = jax.grad(loss)(head, x[idx], y[idx])
        updates, state = optimizer.update(grads, state, head)
        return optax.apply_updates(head, updates), state

    state = optimizer.init(head)
    for key in jax.random.split(jax.random.PRNGKey(seed), steps):
        head, state = step(head, state, key, x, y)
    return {"params": {**rest, **head}}


def win_probability(policy: Any, params: dict, core: np.ndarray) -> np.ndarray:
    """[N] the team's win probability from its heroes' LSTM outputs [N, 5, H]:
    the mean of each hero's estimate, as a network's agent reports it."""
    import jax
    import jax.numpy as jnp

    from agents.policy import Policy

    x = jnp.asarray(core.reshape(-1, core.shape[-1]), jnp.float32)
    logits = policy.apply(params, x, method=Policy.win)
    return np.asarray(jax.nn.sigmoid(logits)).reshape(core.shape[:2]).mean(axis=1)


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 500, lr: float = 0.5) -> np.ndarray:
    """Weights (bias last) of a logistic regression by gradient descent on
    standardised inputs; `y` may be 0.5 (a draw)."""
    mean, std = x.mean(0), x.std(0) + 1e-6
    z = np.concatenate([(x - mean) / std, np.ones((len(x), 1))], axis=1)
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        w -= lr * z.T @ (p - y) / len(y)
    return np.concatenate([w[:-1] / std, [w[-1] - (w[:-1] * mean / std).sum()]])


def predict_logistic(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ w[:-1] + w[-1])))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def reliability(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> list[dict[str, float]]:
    """Per probability bin: mean forecast, observed frequency, positions."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    return [{"forecast": float(p[which == b].mean()), "observed": float(y[which == b].mean()),
             "positions": int((which == b).sum())} for b in range(bins) if (which == b).any()]


def held_out(game: np.ndarray) -> np.ndarray:
    """The positions of the odd-numbered games: what the forecasters are
    scored on; the even games are what the fitted ones learn from."""
    return game % 2 == 1


def evaluate(positions: Positions, fitted: dict[str, np.ndarray] | None = None) -> dict:
    """Brier scores and reliability, on the held-out games, of the network's
    estimates as played, of any `fitted` forecasts of P(Radiant wins) [all
    positions], and of the baseline (fit on the other games here), with the
    score of always forecasting the base rate."""
    a = positions.arrays()
    test, x, y = held_out(a["game"]), a["features"], a["outcome"]
    w = fit_logistic(x[~test], y[~test])
    forecasts = {"network": a["p"], **(fitted or {}), "baseline": predict_logistic(w, x)}
    yt = y[test]
    return {"games": int(a["game"].max() + 1), "positions": int(test.sum()),
            "radiant_won": float(np.mean(yt == 1.0)), "draws": float(np.mean(yt == 0.5)),
            "brier": {name: brier(f[test], yt) for name, f in forecasts.items()}
            | {"base_rate": brier(np.full_like(yt, yt.mean()), yt)},
            "reliability": {name: reliability(f[test], yt) for name, f in forecasts.items()},
            "baseline_weights": {"net_worth_k": float(w[0]), "buildings": float(w[1]), "minutes": float(w[2]),
                                 "bias": float(w[3])}}
