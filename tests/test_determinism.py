"""Determinism: the same config, seed and actions give the same games,
whatever the number of threads that steps them."""

import numba
import numpy as np
import pytest

from agents.random_agent import random_legal_actions
from engine import BatchEnv, GameConfig
from engine import fields as F
from engine.spec import EVENT_INDEX

# Random lineup so that the per-game generator is used too.
SMALL = GameConfig(map_size=6000.0, creep_slots=48, obs_units=32, lineup="random")
G = 4
STEPS = 200



def snapshot(step):
    m = step.masks
    return [step.obs.copy(), step.events.copy(), step.done.copy(), step.winner.copy(),
            m.type.copy(), m.target.copy(), m.item.copy()]


def assert_same(a, b, where):
    for i, (x, y) in enumerate(zip(a, b)):
        assert np.array_equal(x, y), f"{where}: array {i} differs"


def run_lockstep(threads_a, threads_b, seed=7, action_seed=11):
    """Step two envs side by side with the same actions (drawn from env a's
    masks), env a under `threads_a` numba threads and env b under
    `threads_b`; compare everything after every step."""
    saved = numba.get_num_threads()
    try:
        envs = [BatchEnv(SMALL, num_games=G, seed=seed) for _ in range(2)]
        threads = (threads_a, threads_b)
        views = []
        for env, n in zip(envs, threads):
            numba.set_num_threads(n)
            views.append(env.reset())
        assert_same(snapshot(views[0]), snapshot(views[1]), "reset")
        rng = np.random.default_rng(action_seed)
        invalid = 0.0
        for t in range(STEPS):
            acts = random_legal_actions(rng, views[0].masks)
            views = []
            for env, n in zip(envs, threads):
                numba.set_num_threads(n)
                views.append(env.step(acts))
            assert_same(snapshot(views[0]), snapshot(views[1]), f"step {t}")
            invalid += views[0].events[..., EVENT_INDEX["invalid_actions"]].sum()
        for name, a, b in zip(envs[0].state._fields, envs[0].state, envs[1].state):
            assert np.array_equal(a, b), f"state.{name} differs"
        assert invalid == 0.0  # the random actions were all legal
        return envs[0]
    finally:
        numba.set_num_threads(saved)


def test_same_seed_same_actions_same_games():
    n = numba.get_num_threads()
    env = run_lockstep(n, n)
    assert numba.get_num_threads() == n
    s = env.state
    # The games did something: 200 steps of 4 ticks, creeps fought, gold moved.
    assert (s.gi[:, F.TICK] == STEPS * SMALL.frameskip).all()
    assert (s.hf[:, :, F.GOLD] != SMALL.start_gold).all()


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
def test_one_thread_and_two_threads_agree():
    n = numba.get_num_threads()
    run_lockstep(1, 2)
    assert numba.get_num_threads() == n  # restored


def test_different_seeds_differ():
    a = BatchEnv(SMALL, num_games=G, seed=1).reset().obs.copy()
    b = BatchEnv(SMALL, num_games=G, seed=2).reset().obs.copy()
    assert not np.array_equal(a, b)  # random lineups drawn from the seed


def test_games_without_observation_vectors_are_the_same_games():
    """observations=False (for agents that never read `obs`) changes nothing
    but `obs`, which stays zero: scripted bots play identical games."""
    from agents.scripted import ScriptedAgent

    envs = [BatchEnv(SMALL, num_games=G, seed=3, observations=o) for o in (True, False)]
    views = [env.reset() for env in envs]
    bots = [(ScriptedAgent(), ScriptedAgent()) for _ in envs]
    for t in range(STEPS):
        acts = [np.concatenate([b[0].act(e, v, 0), b[1].act(e, v, 1)], axis=1)
                for e, v, b in zip(envs, views, bots)]
        assert np.array_equal(acts[0], acts[1]), f"step {t}"
        views = [env.step(a) for env, a in zip(envs, acts)]
        full, bare = (snapshot(v) for v in views)
        assert_same(full[1:], bare[1:], f"step {t}")
    assert views[0].obs.any() and not views[1].obs.any()
    for name, a, b in zip(envs[0].state._fields, envs[0].state, envs[1].state):
        assert name == "obs" or np.array_equal(a, b), f"state.{name} differs"


def test_games_not_live_stand_still():
    env = BatchEnv(SMALL, num_games=G, seed=5)
    rng = np.random.default_rng(0)
    step = env.reset()
    for _ in range(10):
        step = env.step(random_legal_actions(rng, step.masks))
    before = [a.copy() for a in env.state]
    live = np.array([True, False, True, False])
    step = env.step(random_legal_actions(rng, step.masks), live)
    for name, a, b in zip(env.state._fields, before, env.state):
        if name not in ("events", "done", "last_winner"):
            assert np.array_equal(a[~live], b[~live]), f"state.{name} of a paused game changed"
    assert (env.state.gi[live, F.TICK] == 11 * SMALL.frameskip).all()
    assert not step.done[~live].any() and not step.events[~live].any()
    with pytest.raises(ValueError, match="live must be a bool array of shape"):
        env.step(np.zeros((G, 10, 5), int), np.ones(G, int))
