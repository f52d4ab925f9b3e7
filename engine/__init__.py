"""The game itself: rules as data tables, numba kernels over a batched
struct-of-arrays state, and the vectorised environment API."""

from engine.cache import use_engine_cache_dir
from engine.threads import share_cores

use_engine_cache_dir()
share_cores()

from engine.config import ConfigError, GameConfig  # noqa: E402
from engine.env import ENGINE_VERSION, BatchEnv, Masks, Step  # noqa: E402

__all__ = ["BatchEnv", "ConfigError", "ENGINE_VERSION", "GameConfig", "Masks", "Step"]
