"""The PettingZoo wrapper passes PettingZoo's own parallel API test."""

from pettingzoo.test import parallel_api_test

from engine.pettingzoo_env import MobaParallelEnv
from moba.presets import load_preset


def test_parallel_api_conformance():
    cfg = load_preset("small", ["game.time_cap_minutes=0.2"]).game
    parallel_api_test(MobaParallelEnv(cfg, seed=0), num_cycles=200)


def test_a_game_runs_to_its_end_with_sampled_legal_actions():
    cfg = load_preset("small", ["game.time_cap_minutes=0.1"]).game
    env = MobaParallelEnv(cfg, seed=1)
    obs, _ = env.reset()
    steps = 0
    while env.agents:
        actions = {}
        for a in env.agents:
            mask = obs[a]["type_mask"]
            actions[a] = [int(mask.argmax()), 0, 4, 4, 0]  # noop is always legal
        obs, rewards, term, trunc, infos = env.step(actions)
        steps += 1
    assert all(trunc.values()) and not any(term.values())  # the cap ends it: a draw
    assert steps == 45  # 0.1 min = 180 ticks = 45 decisions of 4 ticks
    assert set(rewards.values()) == {0.0}
