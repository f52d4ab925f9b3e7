"""Game configuration: a typed dataclass, validated when built from a dict.

Presets (TOML files under `moba/presets/`) fill the `[game]` table with these
keys. An unknown key, a wrong type or an out-of-range value raises
`ConfigError` naming it.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from engine.tables import HERO_INDEX


class ConfigError(ValueError):
    """A preset or override names an unknown key or an invalid value."""


class Settings:
    """Base of the frozen config dataclasses (one per TOML section): checks
    types and ranges from each field's metadata, refuses unknown keys."""

    section = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            where = f"{self.section}.{f.name}"
            if f.type == "bool" and not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false, got {value!r}")
            if f.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
                raise ConfigError(f"{where} must be an integer, got {value!r}")
            if f.type == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ConfigError(f"{where} must be a number, got {value!r}")
            if f.type == "str" and not isinstance(value, str):
                raise ConfigError(f"{where} must be a string, got {value!r}")
            lo, hi = f.metadata.get("min"), f.metadata.get("max")
            if lo is not None and not lo <= value <= hi:
                raise ConfigError(f"{where} = {value!r} is out of range [{lo}, {hi}]")

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        known = {f.name: f for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ConfigError(
                    f"unknown key '{cls.section}.{key}'; known keys: {', '.join(sorted(known))}"
                )
        values = {}
        for key, value in data.items():
            if known[key].type == "float" and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if isinstance(value, list):
                value = tuple(value)
            values[key] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def replace(self, **changes: Any):
        return type(self).from_dict({**self.to_dict(), **changes})

    @classmethod
    def help(cls) -> list[tuple[str, Any, str]]:
        """(key, default, help) for every setting, for `--help` style listings."""
        return [(f.name, f.default if f.default is not MISSING else None, f.metadata["help"])
                for f in fields(cls)]


def setting(default: Any, lo: float | None, hi: float | None, help: str) -> Any:
    """A dataclass field with its valid range and meaning."""
    return field(default=default, metadata={"min": lo, "max": hi, "help": help})


@dataclass(frozen=True)
class GameConfig(Settings):
    """Everything that shapes one game. Defaults are the `standard` preset."""

    section = "game"

    map_size: float = setting(12000.0, 2000.0, 40000.0, "side of the square world, in game units")
    cell_size: float = setting(100.0, 25.0, 500.0, "side of one cell of the walkable grid")
    lane_width: float = setting(500.0, 100.0, 2000.0, "width kept clear of trees along lanes")
    frameskip: int = setting(4, 1, 30, "ticks between two decisions of the heroes (30 ticks = 1 s)")
    time_cap_minutes: float = setting(40.0, 0.1, 240.0, "game time after which the game ends as a draw")
    wave_interval: float = setting(30.0, 5.0, 300.0, "seconds between creep waves")
    creep_upgrade_interval: float = setting(450.0, 30.0, 3600.0, "seconds between creep stat upgrades")
    melee_per_wave: int = setting(3, 0, 10, "melee creeps per wave per lane")
    ranged_per_wave: int = setting(1, 0, 10, "ranged creeps per wave per lane")
    creep_slots: int = setting(96, 8, 1024, "creep slots per team (a wave spawns only into free slots)")
    obs_units: int = setting(64, 8, 512, "K: units in an observation (nearest to the team's heroes)")
    minimap_size: int = setting(8, 2, 64, "cells per side of the observation minimap")
    offset_step: float = setting(150.0, 10.0, 2000.0, "distance between two offset bins of an action")
    building_hp_scale: float = setting(1.0, 0.01, 100.0, "multiplier on every building's HP")
    start_gold: float = setting(600.0, 0.0, 1e6, "gold each hero starts with")
    passive_gold: float = setting(1.5, 0.0, 1000.0, "gold per second each hero earns")
    xp_range: float = setting(1500.0, 0.0, 1e5, "heroes within this distance share a dying enemy's XP")
    assist_window: float = setting(10.0, 0.0, 600.0, "seconds: damaging a hero this recently earns an assist")
    deny_xp_factor: float = setting(0.5, 0.0, 1.0, "fraction of a denied creep's XP the enemy still gets")
    hero_kill_gold: float = setting(110.0, 0.0, 1e5, "killer's gold for a hero kill, plus a per-level part")
    hero_kill_gold_per_level: float = setting(8.0, 0.0, 1e4, "killer's extra gold per level of the victim")
    assist_gold: float = setting(40.0, 0.0, 1e5, "gold shared among assisting heroes")
    assist_gold_per_level: float = setting(10.0, 0.0, 1e4, "assist gold per level of the victim")
    hero_kill_xp: float = setting(100.0, 0.0, 1e5, "XP of a dying hero, shared by nearby enemies")
    hero_kill_xp_per_level: float = setting(15.0, 0.0, 1e4, "extra XP per level of the dying hero")
    death_gold_per_level: float = setting(25.0, 0.0, 1e4, "gold a dying hero loses per level")
    buyback_base: float = setting(200.0, 0.0, 1e6, "buyback cost: base")
    buyback_per_level_sq: float = setting(1.5, 0.0, 1e4, "buyback cost: per level squared")
    buyback_per_minute: float = setting(15.0, 0.0, 1e4, "buyback cost: per minute of game time")
    buyback_cooldown: float = setting(480.0, 0.0, 1e5, "seconds before a hero can buy back again")
    shop_range: float = setting(1200.0, 0.0, 1e5, "heroes this close to their fountain can buy")
    fountain_heal: float = setting(0.05, 0.0, 1.0, "fraction of max HP and mana healed per second near the fountain")
    creep_acquire_range: float = setting(500.0, 0.0, 1e4, "creeps attack enemies this close")
    leash_range: float = setting(900.0, 0.0, 1e4, "creeps give up chasing beyond this distance")
    true_sight_range: float = setting(900.0, 0.0, 1e4, "towers and fountains see invisible heroes this close")
    lineup: Any = setting("random", None, None,
                     "'random', 'mirror', or a list of 10 hero names (Radiant's five, then Dire's)")

    def __post_init__(self) -> None:
        super().__post_init__()
        validate_lineup(self.lineup)
        if self.creep_slots < 3 * (self.melee_per_wave + self.ranged_per_wave):
            raise ConfigError(
                f"game.creep_slots = {self.creep_slots} cannot hold one wave on three lanes "
                f"({3 * (self.melee_per_wave + self.ranged_per_wave)} creeps)"
            )


def validate_lineup(lineup: Any) -> None:
    if lineup in ("random", "mirror"):
        return
    if not isinstance(lineup, (list, tuple)) or len(lineup) != 10:
        raise ConfigError(
            f"game.lineup must be 'random', 'mirror' or a list of 10 hero names, got {lineup!r}"
        )
    for name in lineup:
        if name not in HERO_INDEX:
            raise ConfigError(
                f"game.lineup names unknown hero {name!r}; heroes: {', '.join(HERO_INDEX)}"
            )
    for team, names in (("Radiant", lineup[:5]), ("Dire", lineup[5:])):
        seen = set()
        for name in names:
            if name in seen:
                raise ConfigError(f"game.lineup has {name!r} twice on {team}")
            seen.add(name)
