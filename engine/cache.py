"""Where numba keeps compiled kernels.

numba's own cache checks only the source file of each kernel, not the
modules it inlines or calls, so an edit to `engine/rules.py` would leave the
cached `step_batch` of `engine/sim.py` running the old rules. Keying the
cache folder on a hash of every engine source file makes any engine edit
compile afresh. Kernels of other packages (the scripted bot) share the
folder, so they too recompile when the engine changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba


def engine_cache_dir() -> Path:
    digest = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    base = os.environ.get("MOBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "moba")
    return Path(base) / f"numba-{digest.hexdigest()[:16]}"


def use_engine_cache_dir() -> None:
    """Point numba's cache at the folder of this engine's sources; must run
    before any `cache=True` kernel is defined."""
    if not numba.config.CACHE_DIR:
        numba.config.CACHE_DIR = str(engine_cache_dir())
