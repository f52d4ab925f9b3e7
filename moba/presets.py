"""TOML presets: `moba/presets/<name>.toml` or any file path, plus
`section.key=value` overrides from the command line. A preset's sections
are those of `league.config.RunConfig`: [game], [policy], [ppo], [train],
[rewards], and any [[curriculum]] stages; what a preset leaves out keeps its
default, or that of the preset its `base` key names. Stages of a preset and
of its base are both played only with `curriculum_after_base = true` (the
base's first); `false` plays the preset's instead."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import ConfigError, GameConfig

if TYPE_CHECKING:
    from league.config import RunConfig

PRESET_DIR = Path(__file__).parent / "presets"


@dataclass(frozen=True)
class Preset:
    name: str
    run: RunConfig

    @property
    def game(self) -> GameConfig:
        return self.run.game


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def _read(name_or_path: str, under: tuple[str, ...] = ()) -> tuple[str, dict[str, Any]]:
    path = Path(name_or_path)
    if not path.suffix:
        path = PRESET_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise ConfigError(
                f"unknown preset {name_or_path!r}; presets: {', '.join(preset_names())}")
    elif not path.exists():
        raise ConfigError(f"preset file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"preset file {str(path)!r} is not valid TOML: {e}") from None
    base = data.pop("base", None)
    after_base = data.pop("curriculum_after_base", None)
    if after_base is not None and (base is None or not isinstance(after_base, bool)):
        raise ConfigError(f"preset file {str(path)!r}: curriculum_after_base must be true or false, in a preset "
                          f"with a base, got {after_base!r}")
    if base is not None:  # this file's keys over those of the preset it names
        if not isinstance(base, str) or base in (*under, path.stem):
            raise ConfigError(f"preset file {str(path)!r}: base must name another preset, not one built "
                              f"on this one, got {base!r}")
        _, below = _read(base, (*under, path.stem))
        if data.get("curriculum") and below.get("curriculum"):
            # Either reading is natural (one more rung; another ladder), so the file says which.
            if after_base is None:
                raise ConfigError(
                    f"preset file {str(path)!r} has stages and so has its base {base!r} "
                    f"({len(below['curriculum'])}): say curriculum_after_base = true to play them after the "
                    f"base's, or false to play them instead")
            if after_base:
                data["curriculum"] = below["curriculum"] + data["curriculum"]
        data = below | {section: (below.get(section, {}) | values if isinstance(values, dict) else values)
                        for section, values in data.items()}
    return path.stem, data


def parse_override(text: str) -> tuple[str, str, Any]:
    """'game.map_size=8000' -> ('game', 'map_size', 8000)."""
    key, sep, raw = text.partition("=")
    section, dot, name = key.strip().partition(".")
    if not sep or not dot:
        raise ConfigError(f"override {text!r} must look like section.key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # a bare word is a string
    return section, name, value


def load_preset(name_or_path: str = "standard", overrides: list[str] = ()) -> Preset:
    from league.config import RunConfig  # (JAX: the command's help needs none)

    sections = RunConfig.SECTIONS
    name, data = _read(name_or_path)
    for section in data:
        if section not in sections and section != "curriculum":
            raise ConfigError(f"unknown section [{section}] in preset {name!r}; "
                              f"sections: {', '.join(sections)}")
    for text in overrides:
        section, key, value = parse_override(text)
        if section == "curriculum":
            _override_stage(data.get("curriculum", []), key, value, text)
            continue
        if section not in sections:
            raise ConfigError(f"unknown section {section!r} in override {text!r}; "
                              f"sections: {', '.join(sections)}, curriculum")
        data.setdefault(section, {})[key] = value
    return Preset(name=name, run=RunConfig.from_dict(data))


def _override_stage(stages: list[dict[str, Any]], key: str, value: Any, text: str) -> None:
    """`curriculum.<stage>.<key>=value`: the stage by its number (from 1) or
    name; the key a stage's own (max_steps) or a table's (teacher.kickstart_coef)."""
    stage, _, path = key.partition(".")
    names = [str(s.get("name", i + 1)) if isinstance(s, dict) else str(i + 1) for i, s in enumerate(stages)]
    number = int(stage) - 1 if stage.isdigit() else names.index(stage) if stage in names else -1
    if not 0 <= number < len(stages) or not path:
        raise ConfigError(f"override {text!r} must look like curriculum.<stage>.key=value, the stage "
                          f"by number or name; stages: {', '.join(names) or 'none'}")
    table, _, name = path.rpartition(".")
    target = stages[number]
    for part in filter(None, table.split(".")):
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise ConfigError(f"override {text!r}: {part} is not a table")
    target[name] = value
