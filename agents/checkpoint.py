"""Checkpoint files: msgpack (flax.serialization), never pickle, written
atomically (a temporary file renamed over the target), with a metadata record
that says which network they fit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from flax import serialization

FORMAT = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or made for another network."""


def _plain(tree: Any) -> Any:
    """jax arrays -> numpy, tuples -> lists: what msgpack stores."""
    if isinstance(tree, dict):
        return {str(k): _plain(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_plain(v) for v in tree]
    if hasattr(tree, "__array__") and not isinstance(tree, np.ndarray):
        return np.asarray(tree)
    return tree


def save(path: str | Path, meta: dict[str, Any], tree: dict[str, Any]) -> None:
    """Write {'meta', 'tree'} to `path` atomically: a reader sees the old file
    or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = serialization.msgpack_serialize({"format": FORMAT, "meta": _plain(meta), "tree": _plain(tree)})
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(meta, tree) of a checkpoint, or a CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    try:
        data = serialization.msgpack_restore(path.read_bytes())
    except Exception as e:  # msgpack raises several types on garbage
        raise CheckpointError(f"checkpoint {str(path)!r} is corrupt or not a moba checkpoint ({e})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "tree" not in data:
        raise CheckpointError(f"checkpoint {str(path)!r} is not a moba checkpoint (format {FORMAT})")
    return data["meta"], data["tree"]


def check_network(path: str | Path, meta: dict[str, Any], expected: dict[str, Any],
                  ignore: tuple[str, ...] = ()) -> None:
    """Refuse a checkpoint whose network description differs from `expected`
    in any entry but those named in `ignore`."""
    got = {k: v for k, v in (meta.get("network") or {}).items() if k not in ignore}
    expected = {k: v for k, v in expected.items() if k not in ignore}
    if got != _plain(expected):
        diff = [k for k in sorted(set(expected) | set(got))
                if got.get(k) != _plain(expected).get(k)]
        raise CheckpointError(
            f"checkpoint {str(path)!r} was made for a different network ({', '.join(diff)} differ: "
            f"checkpoint {[got.get(k) for k in diff]}, here {[expected.get(k) for k in diff]})")
