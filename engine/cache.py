"""Where compiled code is kept: numba's kernels, and XLA's programs of the
networks (`agents.policy`), under one root (`MOBA_CACHE_DIR`, or
`~/.cache/moba`).

numba's own cache checks only the source file of each kernel, not the
modules it inlines or calls, so an edit to `engine/rules.py` would leave the
cached `step_batch` of `engine/sim.py` running the old rules. Keying the
cache folder on a hash of every engine source file makes any engine edit
compile afresh. Kernels of other packages (the scripted bot) share the
folder, so they too recompile when the engine changes.

Inside the folder, each package's kernels go in a subfolder named for the
package, where numba would name it for the source's absolute path: an
editable install, a copy in site-packages, a Ray worker or a test's
subprocess importing the sources from elsewhere then share one cache (numba
still checks each source file's content).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba
from numba.core.caching import CacheImpl, UserProvidedCacheLocator

PACKAGES = ("engine", "agents")  # the packages that define kernels


def cache_root() -> Path:
    return Path(os.environ.get("MOBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "moba"))


def engine_cache_dir() -> Path:
    digest = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return cache_root() / f"numba-{digest.hexdigest()[:16]}"


class PackageCacheLocator(UserProvidedCacheLocator):
    """numba's locator for a cache folder the user names, keyed on the
    package of the source rather than its absolute path."""

    @classmethod
    def get_suitable_cache_subpath(cls, py_file: str) -> str:
        return Path(py_file).parent.name

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).parent.name not in PACKAGES:
            return None
        return super().from_function(py_func, py_file)


def use_engine_cache_dir() -> None:
    """Point numba's cache at the folder of this engine's sources; must run
    before any `cache=True` kernel is defined."""
    if not numba.config.CACHE_DIR:
        numba.config.CACHE_DIR = str(engine_cache_dir())
    if PackageCacheLocator not in CacheImpl._locator_classes:
        CacheImpl._locator_classes.insert(0, PackageCacheLocator)
