"""Compiling the engine: each kernel once, everything a game needs ahead of
use, and the stamp that tells later commands there is nothing to do; the
networks' XLA programs compiled once per machine."""

import os
import subprocess
import sys

import numpy as np
from numba import prange

from engine.jit import Kernel, kernel
from moba.cli import main
from moba.compile import stamp_path


@kernel
def _plus_one(a, i):
    return a[i] + 1.0


@kernel(parallel=True)
def _calls(a, ints, out):
    for g in prange(2):  # g is a uint64 here
        out[g] = _plus_one(a, g)
    out[2] = _plus_one(a, ints[0])  # an int32
    out[3] = _plus_one(a, 3)  # a constant


def test_a_kernel_called_with_other_integer_types_and_constants_compiles_once():
    # `_calls` compiled afresh (not loaded from the cache), so that it asks
    # `_plus_one` for a specialisation per call site's types.
    calls = Kernel(py_func=_calls.py_func, locals={}, targetoptions={"nopython": True, "_nrt": False,
                                                                     "parallel": True})
    out = np.zeros(4)
    calls(np.arange(4.0), np.array([2], np.int32), out)
    assert out.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert len(_plus_one.signatures) == 1


PLAY_EVERYTHING = """
from numba.core import event
compiled = []
class Seen(event.Listener):
    def on_start(self, ev): compiled.append(ev.data["dispatcher"].py_func.__qualname__)
    def on_end(self, ev): pass
event.register("numba:compile", Seen())
import numpy as np
from agents.random_agent import RandomAgent
from agents.scripted import ScriptedAgent, play_out_games
from engine import BatchEnv
from engine.effects import castable
from moba.presets import load_preset
for observations in (True, False):
    env = BatchEnv(load_preset("small").game, num_games=3, seed=0, observations=observations)
    step = env.reset()
    bot, rand = ScriptedAgent(), RandomAgent(0)
    for _ in range(50):
        step = env.step(np.concatenate([bot.act(env, step, 0), rand.act(env, step, 1)], axis=1),
                        np.array([True, True, False]))
play_out_games(env, ScriptedAgent(), ScriptedAgent(), np.array([True, False, True]))
castable(env.state, env.world, 0, 0, 0)
print("compiled:", compiled)
"""


def test_once_compiled_a_new_process_plays_every_kind_of_game_without_compiling():
    assert stamp_path().exists()  # the session's fixture compiled, or found, the engine
    out = subprocess.run([sys.executable, "-c", PLAY_EVERYTHING], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "compiled: []"


def test_moba_compile_says_when_there_is_nothing_to_do(capsys):
    assert main(["compile"]) == 0
    assert "compiled already" in capsys.readouterr().out


NETWORK_CALL = """
from jax import monitoring
events = []
monitoring.register_event_listener(lambda name, **kwargs: events.append(name))
import jax.numpy as jnp
from agents.policy import normalizer_init, normalizer_update
normalizer_update(normalizer_init(8), jnp.ones((4, 8)))
print(*(events.count(f"/jax/compilation_cache/cache_{what}") for what in ("misses", "hits")))
"""


def test_a_program_one_process_compiled_is_loaded_by_the_next(tmp_path):
    env = {**os.environ, "MOBA_CACHE_DIR": str(tmp_path)}
    (missed, hit), again = [map(int, subprocess.run([sys.executable, "-c", NETWORK_CALL], capture_output=True,
                                                      text=True, check=True, env=env).stdout.split())
                            for _ in range(2)]
    assert missed > 0 and hit == 0
    assert list(again) == [0, missed]  # every program the first process compiled, loaded
    assert list((tmp_path / "xla").iterdir())
