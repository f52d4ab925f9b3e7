"""The game itself: rules as data tables, numba kernels over a batched
struct-of-arrays state, and the vectorised environment API."""

from engine.config import ConfigError, GameConfig
from engine.env import ENGINE_VERSION, BatchEnv, Masks, Step

__all__ = ["BatchEnv", "ConfigError", "ENGINE_VERSION", "GameConfig", "Masks", "Step"]
