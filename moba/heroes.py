"""`moba heroes`: the roster, each hero's abilities with their numbers, and
the item shop, as the engine's tables define them."""

from __future__ import annotations

import argparse

from engine.abilities import ABILITIES, ABILITY_INDEX, EF_DOT, EFFECT_NAMES, Ability, Effect
from engine.config import ConfigError
from engine.tables import HEROES, ITEMS, KITS, HeroDef, hero_build, skill_levels

# How each effect's numbers read: (value format, unit of the value).
_FRACTION = {"slow", "haste", "frenzy", "lifesteal", "magic_resist"}


def _levels(values: tuple[float, ...], n: int, fmt: str = "g") -> str:
    vals = values[:n]
    if len(set(vals)) == 1:
        return format(vals[0], fmt)
    return "/".join(format(v, fmt) for v in vals)


def describe_effect(e: Effect, n: int) -> str:
    """One effect in words: 'stun 1/1.25/1.5 s', 'slow 30% for 4 s'."""
    name = EFFECT_NAMES[e.kind]
    if name in _FRACTION:
        text = f"{name} " + _levels(tuple(100 * v for v in e.value), n, ".0f") + "%"
    elif name in ("crit",):
        text = f"crit {e.chance:.0%} x" + _levels(e.value, n)
    elif name in ("evasion",):
        text = f"evasion {e.chance:.0%}"
    elif name in ("bash",):
        text = f"bash {e.chance:.0%}"
    elif name == "invisible":
        text = "invisible after " + _levels(e.value, n) + " s"
    elif e.kind == EF_DOT:
        text = "dot " + _levels(e.value, n) + " per s"
    elif name in ("damage", "heal", "mana", "shield", "knockback", "blink", "empower"):
        text = f"{name} " + _levels(e.value, n)
    else:
        text = name
    if max(e.duration) > 0:
        text += (" for " if text != name else " ") + _levels(e.duration, n) + " s"
    return ("self: " if e.on_caster else "") + text


def describe_ability(a: Ability, ultimate: bool = False) -> str:
    n = 3 if ultimate else 4
    parts = [a.target]
    if a.target != "passive":
        if a.area != "single":
            parts.append(f"{a.area} {a.radius:g}")
        if a.hits == "allies":
            parts.append("allies")
        if a.heroes_only:
            parts.append("heroes only")
        if a.range:
            parts.append(f"range {a.range:g}")
        if a.cast_time:
            parts.append(f"cast {a.cast_time:g} s")
        if max(a.mana):
            parts.append(f"mana {_levels(a.mana, n)}")
        if max(a.cooldown):
            parts.append(f"cd {_levels(a.cooldown, n)} s")
        if a.locked_after_damage:
            parts.append(f"off for {a.locked_after_damage:g} s after hero damage")
    effects = "; ".join(describe_effect(e, n) for e in a.effects)
    return f"{a.name} ({', '.join(parts)}): {effects}"


def describe_hero(h: HeroDef) -> list[str]:
    kit = KITS[h.name]
    lines = [
        f"{h.name} ({h.role}, {'ranged' if h.ranged else 'melee'})",
        f"  HP {h.hp:g} (+{h.hp_gain:g}/lvl, regen {h.hp_regen:g}/s)  mana {h.mana:g} "
        f"(+{h.mana_gain:g}, regen {h.mana_regen:g}/s)  damage {h.damage:g} (+{h.damage_gain:g})  "
        f"armor {h.armor:g} (+{h.armor_gain:g})  magic resist {h.magic_resist:.0%}",
        f"  attack range {h.attack_range:g}, every {h.attack_time:g} s (+{h.attack_speed_gain:.1%}/lvl)  "
        f"speed {h.move_speed:g}  vision {h.vision:g}",
    ]
    for slot, name in enumerate(kit.abilities):
        key = "QWER"[slot]
        lines.append(f"  {key} {describe_ability(ABILITIES[ABILITY_INDEX[name]], ultimate=slot == 3)}")
    at = ", ".join(f"{lv}: {'/'.join(map(str, skill_levels(kit, lv)))}" for lv in (1, 6, 12, 18))
    lines.append(f"  skill levels by hero level: {at}")
    lines.append(f"  bot build: {', '.join(hero_build(h))}")
    return lines


def describe_items() -> list[str]:
    lines = ["Items (bought within shop range of the fountain; 6 slots):"]
    for it in ITEMS:
        stats = [f"{k.replace('_', ' ')} +{getattr(it, k):g}"
                 for k in ("hp", "mana", "damage", "armor", "move_speed", "hp_regen", "mana_regen")
                 if getattr(it, k)]
        for what in ("active", "passive"):
            name = getattr(it, what)
            if name:
                stats.append(f"{what} {describe_ability(ABILITIES[ABILITY_INDEX[name]], False)}"
                             .replace(" (passive)", ""))
        if it.charges:
            stats.append(f"{it.charges} charge{'s' if it.charges > 1 else ''}")
        lines.append(f"  {it.name} ({it.cost:g} gold): {'; '.join(stats)}")
    return lines


def cmd_heroes(args: argparse.Namespace) -> None:
    heroes = HEROES
    if args.hero:
        heroes = tuple(h for h in HEROES if h.name == args.hero)
        if not heroes:
            raise ConfigError(f"no hero {args.hero!r}; heroes: {', '.join(h.name for h in HEROES)}")
    if not args.items:
        count = f"{len(heroes)} heroes; " if len(heroes) > 1 else ""
        print(f"{count}abilities per level 1/2/3/4 (ultimates 1/2/3), times in seconds\n")
        for h in heroes:
            print("\n".join(describe_hero(h)) + "\n")
    if args.items or not args.hero:
        print("\n".join(describe_items()))
