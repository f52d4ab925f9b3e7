"""The replay file: what one game was, enough to play it again.

    magic   b"MOBAREPLAY"
    u16     format version (little-endian)
    ...     zlib-compressed msgpack body
    32 B    SHA-256 of everything before it

The body holds the header (format and engine version, preset, game config,
seed, lineup, agent names), the action log [steps, 10, 5], keyframes (the
game's whole engine state every few game seconds, with a checksum each, so a
viewer can seek and a re-simulation can tell when the rules have changed),
the outcome, and each team's estimate of its own win probability at every
decision (NaN for a team whose agent makes none, such as a scripted bot).
msgpack (flax.serialization) stores arrays as bytes with dtype and shape:
nothing in a replay is ever unpickled.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from flax import serialization

from engine.constants import TICKS_PER_SECOND

MAGIC = b"MOBAREPLAY"
VERSION = 1
HEADER = ("engine", "preset", "config", "seed", "lineup", "agents")  # what every reader relies on
OUTCOME = ("winner", "ticks", "kills")
_HEAD = len(MAGIC) + 2
_DIGEST = 32


class ReplayError(ValueError):
    """A replay file that is corrupt, truncated, newer, or does not match the engine."""


@dataclass
class Keyframe:
    step: int  # decisions since the game started
    tick: int
    state: dict[str, np.ndarray]  # one game's slice of every engine state array
    checksum: str = ""

    def __post_init__(self) -> None:
        if not self.checksum:
            self.checksum = state_checksum(self.state)


@dataclass
class Replay:
    header: dict[str, Any]
    actions: np.ndarray  # [steps, 10, 5] int
    keyframes: list[Keyframe]
    outcome: dict[str, Any]  # winner (0, 1, 2; -1 unfinished), ticks, kills per team; unfinished: left early
    win: np.ndarray | None = None  # [steps, 2] each team's estimate that it wins, NaN where it has none
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.actions)


def state_checksum(state: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(state):
        a = np.ascontiguousarray(state[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:32]


def save_replay(path: str | Path, replay: Replay) -> None:
    """Write `replay` to `path` atomically."""
    body = {
        "header": replay.header,
        "actions": np.asarray(replay.actions, np.int16),
        "keyframes": [{"step": k.step, "tick": k.tick, "state": k.state, "checksum": k.checksum}
                      for k in replay.keyframes],
        "outcome": replay.outcome,
        "win": np.asarray(replay.win, np.float32) if replay.win is not None else None,
        "extra": replay.extra,
    }
    data = MAGIC + struct.pack("<H", VERSION) + zlib.compress(serialization.msgpack_serialize(body), 6)
    data += hashlib.sha256(data).digest()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def load_replay(path: str | Path) -> Replay:
    """Read a replay, or a ReplayError that says what is wrong with the file."""
    path = Path(path)
    if not path.is_file():
        raise ReplayError(f"replay {str(path)!r} does not exist")
    data = path.read_bytes()
    where = f"replay {str(path)!r}"
    if not data.startswith(MAGIC):
        raise ReplayError(f"{where} is not a moba replay")
    if len(data) < _HEAD + _DIGEST:
        raise ReplayError(f"{where} is truncated")
    (version,) = struct.unpack("<H", data[len(MAGIC):_HEAD])
    if version > VERSION:
        raise ReplayError(f"{where} has format {version}; this moba reads up to {VERSION}: upgrade moba")
    if hashlib.sha256(data[:-_DIGEST]).digest() != data[-_DIGEST:]:
        raise ReplayError(f"{where} is corrupt or truncated (checksum mismatch)")
    try:
        body = serialization.msgpack_restore(zlib.decompress(data[_HEAD:-_DIGEST]))
        keyframes = [Keyframe(int(k["step"]), int(k["tick"]), dict(k["state"]), str(k["checksum"]))
                     for k in body["keyframes"]]
        replay = Replay(header=dict(body["header"]), actions=np.asarray(body["actions"]), keyframes=keyframes,
                        outcome=dict(body["outcome"]), win=body.get("win"), extra=body.get("extra") or {})
    except (zlib.error, KeyError, TypeError, ValueError) as e:
        raise ReplayError(f"{where} is damaged ({e})") from None
    for part, names in (("header", HEADER), ("outcome", OUTCOME)):
        missing = [name for name in names if name not in getattr(replay, part)]
        if missing:
            raise ReplayError(f"{where} is damaged: its {part} lacks {', '.join(missing)}")
    if not keyframes:
        raise ReplayError(f"{where} is damaged: it has no keyframe")
    for k in keyframes:
        check_keyframe(k, where)
    return replay


def clock(ticks: int) -> str:
    """The game clock of a tick, MM:SS."""
    seconds = int(ticks) // TICKS_PER_SECOND
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def result_text(outcome: dict[str, Any]) -> str:
    """'Radiant won', 'Dire won', 'a draw', or 'unfinished at MM:SS'."""
    if outcome.get("unfinished"):
        return f"unfinished at {clock(outcome['ticks'])}"
    return ("Radiant won", "Dire won", "a draw")[int(outcome["winner"])]


def check_keyframe(k: Keyframe, where: str) -> None:
    """A ReplayError unless the keyframe's state matches its checksum: the
    file's own checksum does not cover a keyframe written wrong."""
    if state_checksum(k.state) != k.checksum:
        raise ReplayError(f"{where} is corrupt: the keyframe at tick {k.tick} does not match its checksum")
