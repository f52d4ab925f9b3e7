"""TOML presets: `moba/presets/<name>.toml` or any file path, plus
`section.key=value` overrides from the command line. A preset's sections
are those of `league.config.RunConfig`: [game], [policy], [ppo], [train],
[rewards], and any [[curriculum]] stages; what a preset leaves out keeps its
default, or that of the preset its `base` key names."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import ConfigError, GameConfig
from league.config import RunConfig

PRESET_DIR = Path(__file__).parent / "presets"
SECTIONS = tuple(RunConfig.SECTIONS)


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
    if base is not None:  # this file's keys over those of the preset it names
        if not isinstance(base, str) or base in (*under, path.stem):
            raise ConfigError(f"preset file {str(path)!r}: base must name another preset, not one built "
                              f"on this one, got {base!r}")
        _, below = _read(base, (*under, path.stem))
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
    name, data = _read(name_or_path)
    for section in data:
        if section not in SECTIONS and section != "curriculum":
            raise ConfigError(f"unknown section [{section}] in preset {name!r}; "
                              f"sections: {', '.join(SECTIONS)}")
    for text in overrides:
        section, key, value = parse_override(text)
        if section not in SECTIONS:
            raise ConfigError(f"unknown section {section!r} in override {text!r}; "
                              f"sections: {', '.join(SECTIONS)}")
        data.setdefault(section, {})[key] = value
    return Preset(name=name, run=RunConfig.from_dict(data))
