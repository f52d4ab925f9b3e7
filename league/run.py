"""A training run's folder, and stopping a run cleanly.

    config.toml    every setting, as resolved (written once: a resumed run keeps it)
    tb/            TensorBoard
    checkpoints/   the last few checkpoints (msgpack, written atomically), and a bench's at
                   each of its marks (mark_<hero steps>.msgpack, to fork from)
    pool/          the snapshot pool, one policy file per snapshot
    replays/       a sampled share of the training games
    league.sqlite  the run's league: every snapshot joins it

Nothing in the folder is ever replaced by a resumed run: replays take the
first free name, checkpoints are named by update, TensorBoard drops the
events past the resumed step.
"""

from __future__ import annotations

import os
import re
import signal
import tomllib
from pathlib import Path
from typing import Any, Callable

import tomli_w

from agents import checkpoint
from league.config import RunConfig
from replays.format import Replay, save_replay


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The run folder's latest checkpoint, if any."""
    found = sorted((Path(run_dir) / "checkpoints").glob("checkpoint_*.msgpack"))
    return found[-1] if found else None


class RunFolder:
    def __init__(self, path: str | Path, cfg: RunConfig, preset: str):
        self.path, self.cfg, self.preset = Path(path), cfg, preset
        self.checkpoints = self.path / "checkpoints"

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def read_config(cls, path: str | Path) -> tuple[RunConfig, str]:
        """The run's config and preset name, from its config.toml."""
        path = Path(path)
        file = path / "config.toml"
        if not file.is_file():
            raise FileNotFoundError(f"{str(path)!r} is not a run folder (no config.toml)")
        text = file.read_text()
        named = re.match(r"# moba training run, preset '(.*)'", text)
        return RunConfig.from_dict(tomllib.loads(text)), named.group(1) if named else "custom"

    def write_config(self, note: str | None = None) -> None:
        """config.toml, once; `note` a comment under its first line."""
        if (self.path / "config.toml").exists():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        text = f"# moba training run, preset '{self.preset}', as resolved\n" + (f"# {note}\n" if note else "")
        text += tomli_w.dumps(self.cfg.to_dict())
        (self.path / "config.toml").write_text(text)

    def latest_checkpoint(self) -> Path | None:
        return latest_checkpoint(self.path)

    def save_checkpoint(self, update: int, meta: dict[str, Any], tree: dict[str, Any]) -> Path:
        path = self.checkpoints / f"checkpoint_{update:08d}.msgpack"
        checkpoint.save(path, meta, tree)
        for old in sorted(self.checkpoints.glob("checkpoint_*.msgpack"))[:-self.cfg.train.keep_checkpoints]:
            old.unlink()
        return path

    def keep(self, saved: Path, label: str) -> Path:
        """A copy of checkpoint `saved` as `checkpoints/<label>.msgpack`, out
        of the rotation (a hard link, put in place atomically)."""
        kept, tmp = saved.with_name(f"{label}.msgpack"), saved.with_name(f"{label}.msgpack.tmp")
        tmp.unlink(missing_ok=True)
        os.link(saved, tmp)
        os.replace(tmp, kept)
        return kept

    def save_replay(self, replay: Replay, update: int, index: int) -> Path | None:
        """The `index`-th replay of the games of update `update`, or None if
        the run has it already: a run resumed from an earlier checkpoint
        plays the same games again, and a replay is never replaced."""
        path = self.path / "replays" / f"train-{update:08d}-{index:02d}.moba-replay"
        if path.exists():
            return None
        save_replay(path, replay)
        return path

    def tensorboard(self, step: int) -> Any:
        """A TensorBoard writer that drops the events past `step` (those of
        a run that went on after the checkpoint it resumes from); the
        checkpoint's own update, at `step`, is kept."""
        from tensorboardX import SummaryWriter

        return SummaryWriter(str(self.path / "tb"), purge_step=step + 1 if step else None)


class StopSignals:
    """While in effect, SIGINT and SIGTERM ask the run to stop after the
    update in progress (`requested`); a second one stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Callable] = {}

    def __enter__(self) -> "StopSignals":
        self._previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc: Any) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
