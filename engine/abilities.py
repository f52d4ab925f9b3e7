"""Abilities as data: every hero ability and item active or passive is a row
of `ABILITIES`, built from a few composable effects.

An ability says how it is aimed (`target`: none, unit, point, passive), whom
its area touches (`hits`, `area`, `radius`), its cast range and cast time,
and its mana cost and cooldown per level; its effects say what happens to
each unit it touches (or, with `on_caster`, to the caster). The kernels
(`engine.effects`) read the packed arrays of `engine.world` and have one
code path per effect kind, none per hero.

Numbers given as a 4-tuple are per ability level (ultimates use the first
three); a single number holds at every level. Times are in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Effect kinds, as the kernels see them.
EF_DAMAGE = 0  # magical damage, reduced by magic resistance
EF_STUN = 1  # no orders, no attacks for `duration`
EF_SLOW = 2  # move speed cut by `value` (a fraction)
EF_SILENCE = 3  # no abilities (items still work)
EF_ROOT = 4  # no movement
EF_HEAL = 5
EF_MANA = 6  # mana restored
EF_SHIELD = 7  # absorbs `value` damage for `duration`
EF_DOT = 8  # magical damage `value` per second for `duration`
EF_HASTE = 9  # move speed raised by `value` (a fraction)
EF_FRENZY = 10  # attack speed raised by `value` (a fraction)
EF_EMPOWER = 11  # attack damage raised by `value`
EF_KNOCKBACK = 12  # pushed `value` away from the caster or area centre; negative pulls
EF_BLINK = 13  # the caster jumps to the target point, at most `value` away
EF_INVISIBLE = 14  # invisible after a fade of `value` seconds, for `duration`
EF_MAGIC_IMMUNE = 15  # enemy abilities have no effect; removes stuns, slows, silences, roots, DoTs
EF_REVEAL = 16  # invisible enemies touched are visible for `duration`
EF_TELEPORT = 17  # the caster lands at the allied building nearest the target point
EF_CRIT = 18  # passive: `chance` of an attack dealing `value` times damage
EF_LIFESTEAL = 19  # passive: heals `value` of attack damage dealt to units
EF_EVASION = 20  # passive: `chance` that an attack on this hero misses
EF_BASH = 21  # passive: `chance` of an attack stunning for `duration`
EF_MAGIC_RESIST = 22  # passive: magic resistance raised by `value` (combined multiplicatively)
EFFECT_NAMES = (
    "damage", "stun", "slow", "silence", "root", "heal", "mana", "shield", "dot", "haste",
    "frenzy", "empower", "knockback", "blink", "invisible", "magic_immune", "reveal",
    "teleport", "crit", "lifesteal", "evasion", "bash", "magic_resist",
)
PASSIVE_EFFECTS = (EF_CRIT, EF_LIFESTEAL, EF_EVASION, EF_BASH, EF_MAGIC_RESIST)

TARGETS = ("none", "unit", "point", "passive")
TARGET_NONE, TARGET_UNIT, TARGET_POINT, TARGET_PASSIVE = range(4)
HITS = ("enemies", "allies")
HITS_ENEMIES, HITS_ALLIES = range(2)
AREAS = ("single", "circle", "line")
AREA_SINGLE, AREA_CIRCLE, AREA_LINE = range(3)
MAX_EFFECTS = 4
ABILITY_LEVELS = 4
ULTIMATE_MAX_LEVEL = 3

Levels = float | tuple[float, ...]


def per_level(v: Levels) -> tuple[float, ...]:
    """A number or a tuple of per-level numbers as ABILITY_LEVELS numbers (the last
    repeated: a 3-level ultimate's row is padded)."""
    t = tuple(v) if isinstance(v, tuple) else (v,)
    return tuple(float(x) for x in t + (t[-1],) * (ABILITY_LEVELS - len(t)))


@dataclass(frozen=True)
class Effect:
    kind: int
    value: tuple[float, ...] = (0.0,) * ABILITY_LEVELS
    duration: tuple[float, ...] = (0.0,) * ABILITY_LEVELS
    chance: float = 0.0
    on_caster: bool = False  # applies to the caster instead of the units the ability hits


def _e(kind: int, value: Levels = 0.0, duration: Levels = 0.0, chance: float = 0.0) -> Effect:
    return Effect(kind, per_level(value), per_level(duration), chance)


def damage(v: Levels) -> Effect: return _e(EF_DAMAGE, v)
def stun(d: Levels) -> Effect: return _e(EF_STUN, duration=d)
def slow(frac: Levels, d: Levels) -> Effect: return _e(EF_SLOW, frac, d)
def silence(d: Levels) -> Effect: return _e(EF_SILENCE, duration=d)
def root(d: Levels) -> Effect: return _e(EF_ROOT, duration=d)
def heal(v: Levels) -> Effect: return _e(EF_HEAL, v)
def mana(v: Levels) -> Effect: return _e(EF_MANA, v)
def shield(v: Levels, d: Levels) -> Effect: return _e(EF_SHIELD, v, d)
def dot(per_second: Levels, d: Levels) -> Effect: return _e(EF_DOT, per_second, d)
def haste(frac: Levels, d: Levels) -> Effect: return _e(EF_HASTE, frac, d)
def frenzy(frac: Levels, d: Levels) -> Effect: return _e(EF_FRENZY, frac, d)
def empower(v: Levels, d: Levels) -> Effect: return _e(EF_EMPOWER, v, d)
def knockback(distance: Levels) -> Effect: return _e(EF_KNOCKBACK, distance)
def blink(distance: Levels) -> Effect: return _e(EF_BLINK, distance)
def invisible(fade: Levels, d: Levels) -> Effect: return _e(EF_INVISIBLE, fade, d)
def magic_immune(d: Levels) -> Effect: return _e(EF_MAGIC_IMMUNE, duration=d)
def reveal(d: Levels) -> Effect: return _e(EF_REVEAL, duration=d)
def teleport() -> Effect: return _e(EF_TELEPORT)
def crit(chance: float, mult: Levels) -> Effect: return _e(EF_CRIT, mult, chance=chance)
def lifesteal(frac: Levels) -> Effect: return _e(EF_LIFESTEAL, frac)
def evasion(chance: float) -> Effect: return _e(EF_EVASION, chance=chance)
def bash(chance: float, d: Levels) -> Effect: return _e(EF_BASH, duration=d, chance=chance)
def magic_resist(frac: Levels) -> Effect: return _e(EF_MAGIC_RESIST, frac)


def on_caster(*effects: Effect) -> tuple[Effect, ...]:
    return tuple(replace(e, on_caster=True) for e in effects)


@dataclass(frozen=True)
class Ability:
    name: str
    target: str  # one of TARGETS
    effects: tuple[Effect, ...]
    mana: tuple[float, ...] = per_level(0.0)
    cooldown: tuple[float, ...] = per_level(0.0)
    range: float = 600.0  # cast range; a line's length
    cast_time: float = 0.3  # seconds standing before it takes effect (a channel, for the portal)
    hits: str = "enemies"  # one of HITS
    area: str = "single"  # one of AREAS
    radius: float = 0.0  # a circle's radius, a line's half width
    heroes_only: bool = False  # the area skips creeps
    locked_after_damage: float = 0.0  # seconds it cannot be cast after damage from an enemy hero


def A(name: str, target: str, effects, mana: Levels = 0.0, cooldown: Levels = 0.0, **kw) -> Ability:
    effects = effects if isinstance(effects, tuple) else (effects,)
    return Ability(name, target, effects, per_level(mana), per_level(cooldown), **kw)


# Shorthand for passives, which cost nothing and are never cast.
def P(name: str, *effects: Effect) -> Ability:
    return Ability(name, "passive", effects, range=0.0, cast_time=0.0)


ABILITIES: tuple[Ability, ...] = (
    # --- axeman (tank)
    A("battle_cry", "none", stun((1.2, 1.5, 1.8, 2.1)), (80, 90, 100, 110), (16, 14, 12, 10),
      range=0, area="circle", radius=300),
    A("battle_hunger", "unit", (dot((16, 24, 32, 40), 8), slow(0.12, 8)), 75, (20, 17, 14, 11),
      range=750),
    P("iron_hide", magic_resist((0.10, 0.15, 0.20, 0.25))),
    A("culling_blade", "unit", (damage((250, 325, 400)),) + on_caster(haste(0.3, 6)),
      (60, 120, 180), (75, 65, 55), range=150),
    # --- sniper (carry)
    A("shrapnel", "point", (dot((15, 35, 55, 75), 8), slow((0.12, 0.18, 0.24, 0.30), 8)), 50,
      35, range=1800, area="circle", radius=450),
    P("take_aim", crit(0.15, (1.4, 1.6, 1.8, 2.0))),
    A("steady_aim", "none", on_caster(frenzy((0.3, 0.4, 0.5, 0.6), 5)), 50, 20, range=0),
    A("assassinate", "unit", damage((320, 485, 650)), (175, 225, 275), (20, 15, 10),
      range=2000, cast_time=2.0, heroes_only=True),
    # --- frost_witch (support)
    A("crystal_nova", "point", (damage((100, 150, 200, 250)), slow(0.3, 4.5)), (115, 130, 145, 160),
      (11, 10, 9, 8), range=700, area="circle", radius=425),
    A("frostbite", "unit", (root((1.5, 2.0, 2.5, 3.0)), dot(50, (1.5, 2.0, 2.5, 3.0))),
      (140, 145, 150, 155), (9, 8, 7, 6), range=550),
    A("frost_armor", "unit", shield((120, 200, 280, 360), 15), 70, 12, range=800, hits="allies",
      heroes_only=True),
    A("freezing_field", "none", (dot((60, 90, 120), 6), slow(0.3, 6)), (200, 400, 600),
      (110, 100, 90), range=0, area="circle", radius=800),
    # --- shadow_blade (ganker)
    A("shadow_step", "point", on_caster(blink((600, 700, 800, 900))), 50, (12, 10, 8, 6), range=0,
      cast_time=0.1),
    A("smoke_screen", "point", (silence((3, 4, 5, 6)), slow(0.15, (3, 4, 5, 6))), 75, (15, 13, 11, 9),
      range=550, area="circle", radius=375),
    P("backstab", crit(0.2, (1.4, 1.6, 1.8, 2.0))),
    A("vanish", "none", on_caster(invisible(1.0, (20, 25, 30)), haste(0.2, (20, 25, 30)),
                                  empower((40, 60, 80), (20, 25, 30))),
      (100, 125, 150), (70, 60, 50), range=0, cast_time=0.0),
    # --- stone_giant (tank)
    A("avalanche", "point", (damage((100, 180, 260, 340)), stun(1.0)), (120, 120, 120, 120),
      (17, 15, 13, 11), range=600, area="circle", radius=325),
    A("hurl", "unit", (damage((75, 150, 225, 300)), knockback(400)), (120, 120, 120, 120),
      (14, 12, 10, 8), range=850),
    P("craggy_exterior", bash(0.1, (0.8, 1.0, 1.2, 1.4))),
    A("grow", "none", on_caster(empower((60, 100, 140), 15), shield((200, 350, 500), 15)),
      100, (60, 50, 40), range=0, cast_time=0.0),
    # --- storm_caller (nuker)
    A("arc_lightning", "unit", damage((85, 110, 135, 160)), (65, 70, 75, 80), 5, range=700),
    A("lightning_bolt", "point", (damage((100, 175, 250, 325)), stun(0.3), reveal(4)),
      (120, 125, 130, 135), 6, range=700, area="circle", radius=325),
    A("storm_shell", "unit", shield((100, 150, 200, 250), 10), 90, 14, range=600, hits="allies",
      heroes_only=True),
    A("thundergods_wrath", "none", damage((225, 350, 475)), (225, 325, 450), (90, 80, 70),
      range=0, cast_time=0.4, area="circle", radius=20000, heroes_only=True),
    # --- blade_dancer (carry)
    A("blade_fury", "none", (dot((80, 105, 130, 155), 5),) + on_caster(magic_immune(5)), 120,
      (42, 34, 26, 18), range=0, cast_time=0.0, area="circle", radius=250),
    A("healing_ward", "none", heal((80, 120, 160, 200)), (120, 125, 130, 135), 40, range=0,
      hits="allies", area="circle", radius=500, heroes_only=True),
    P("blade_dance", crit(0.2, (1.5, 1.6, 1.7, 1.8))),
    A("omnislash", "unit", (damage((300, 450, 600)),) + on_caster(magic_immune(2)),
      (200, 275, 350), (130, 120, 110), range=350, heroes_only=True),
    # --- priestess (support)
    A("purify", "unit", heal((90, 180, 270, 360)), (80, 95, 110, 125), (12, 11, 10, 9), range=600,
      hits="allies", heroes_only=True),
    A("guardian", "unit", shield((150, 225, 300, 375), 8), 90, (16, 14, 12, 10), range=650,
      hits="allies", heroes_only=True),
    A("smite", "unit", (damage((70, 110, 150, 190)), silence((2, 2.5, 3, 3.5))), 100, (14, 12, 10, 8),
      range=700),
    A("sanctuary", "none", (heal((200, 300, 400)), magic_immune((4, 5, 6))), (200, 250, 300),
      (120, 110, 100), range=0, hits="allies", area="circle", radius=900, heroes_only=True),
    # --- venom_lurker (ganker)
    A("venom_spit", "point", (dot((10, 20, 30, 40), 8), slow((0.2, 0.3, 0.4, 0.5), 3)), 85,
      (14, 13, 12, 11), range=800, area="line", radius=125),
    A("toxin_fangs", "unit", dot((8, 16, 24, 32), 6), 30, 6, range=500),
    A("lurk", "none", on_caster(invisible(0.5, (10, 12, 14, 16)), haste(0.15, (10, 12, 14, 16))),
      75, (30, 26, 22, 18), range=0, cast_time=0.0),
    A("poison_nova", "none", dot((25, 40, 55), 16), (200, 300, 400), (140, 120, 100), range=0,
      area="circle", radius=830),
    # --- warlord (carry)
    A("storm_hammer", "unit", (damage((80, 160, 230, 300)), stun(2.0)), (110, 115, 120, 125),
      (18, 16, 14, 12), range=600, area="circle", radius=255),
    A("war_cry", "none", (haste((0.08, 0.12, 0.16, 0.2), 8), shield((60, 100, 140, 180), 8)),
      60, (36, 32, 28, 24), range=0, cast_time=0.0, hits="allies", area="circle", radius=700,
      heroes_only=True),
    P("warriors_might", bash(0.12, (0.6, 0.8, 1.0, 1.2))),
    A("gods_strength", "none", on_caster(empower((60, 100, 140), 25), frenzy(0.2, 25)), 100,
      (100, 90, 80), range=0, cast_time=0.0),
    # --- pyromancer (nuker)
    A("dragon_slave", "point", damage((85, 160, 235, 310)), (100, 115, 130, 145), (9, 8, 7, 6),
      range=1075, area="line", radius=150),
    A("light_strike_array", "point", (damage((80, 120, 160, 200)), stun((1.6, 1.8, 2.0, 2.2))),
      (100, 110, 120, 130), (10, 9, 8, 7), range=625, cast_time=0.5, area="circle", radius=250),
    A("fiery_soul", "none", on_caster(frenzy((0.2, 0.3, 0.4, 0.5), 10), haste(0.1, 10)), 40, 18,
      range=0, cast_time=0.0),
    A("laguna_blade", "unit", damage((450, 650, 850)), (280, 420, 680), (70, 60, 50), range=600,
      cast_time=0.45, heroes_only=True),
    # --- ironclad (tank)
    A("hoof_stomp", "none", (damage((80, 120, 160, 200)), stun((1.6, 1.8, 2.0, 2.2))), 100,
      (16, 15, 14, 13), range=0, cast_time=0.5, area="circle", radius=315),
    A("double_edge", "unit", damage((100, 160, 220, 280)), 75, (9, 8, 7, 6), range=150),
    P("bulwark", magic_resist((0.08, 0.14, 0.20, 0.26))),
    A("stampede", "none", haste((0.3, 0.4, 0.5), 4), 100, (90, 75, 60), range=0, cast_time=0.0,
      hits="allies", area="circle", radius=20000, heroes_only=True),
    # --- wind_runner (ganker)
    A("shackle_shot", "unit", (damage(50), stun((1.2, 1.8, 2.4, 3.0))), (90, 100, 110, 120),
      (16, 14, 12, 10), range=800),
    A("powershot", "point", damage((120, 200, 280, 360)), (90, 100, 110, 120), 12, range=1800,
      cast_time=1.0, area="line", radius=125),
    A("windrun", "none", on_caster(haste(0.6, (3, 4, 5, 6))), 50, (15, 14, 13, 12), range=0,
      cast_time=0.0),
    A("focus_fire", "none", on_caster(frenzy((0.8, 1.2, 1.6), 15)), (75, 100, 125), (70, 50, 30),
      range=0, cast_time=0.0),
    # --- bone_archer (carry)
    A("searing_arrows", "none", on_caster(empower((20, 30, 40, 50), 8)), 30, 10, range=0,
      cast_time=0.0),
    A("skeleton_walk", "none", on_caster(invisible(0.6, (15, 20, 25, 30)),
                                         haste((0.1, 0.15, 0.2, 0.25), (15, 20, 25, 30))),
      75, (24, 22, 20, 18), range=0, cast_time=0.0),
    P("nimble", evasion(0.15)),
    A("death_volley", "point", damage((200, 300, 400)), (150, 200, 250), (80, 70, 60), range=900,
      area="circle", radius=400),
    # --- earth_shaker (support)
    A("fissure", "point", (damage((110, 160, 210, 260)), stun((1.0, 1.2, 1.4, 1.6))),
      (125, 140, 155, 170), (18, 17, 16, 15), range=1400, cast_time=0.69, area="line", radius=125),
    A("enchant_totem", "none", on_caster(empower((40, 80, 120, 160), 8)), 50, (5, 5, 5, 5), range=0),
    A("tremor", "none", (damage(70), slow(0.4, 3)), 60, 10, range=0, area="circle", radius=300),
    A("echo_slam", "none", (damage((200, 280, 360)), knockback(150)), (145, 205, 265),
      (130, 120, 110), range=0, area="circle", radius=600),
    # --- vampire (carry)
    A("rage", "none", on_caster(magic_immune((3, 4, 5, 6)), frenzy(0.3, (3, 4, 5, 6))), 75, 16,
      range=0, cast_time=0.0),
    P("feast", lifesteal((0.10, 0.15, 0.20, 0.25))),
    A("open_wounds", "unit", (slow((0.5, 0.55, 0.6, 0.65), 4), dot((20, 30, 40, 50), 4)),
      (140, 130, 120, 110), (24, 20, 16, 12), range=200),
    A("blood_hook", "unit", (damage((150, 250, 350)), knockback((-1000, -1000, -1000))),
      (125, 150, 175), (60, 50, 40), range=1000, heroes_only=True),
    # --- time_mage (support)
    A("time_lock", "unit", (damage((60, 90, 120, 150)), stun((1.0, 1.2, 1.4, 1.6))), 100,
      (14, 13, 12, 11), range=600),
    A("backtrack", "point", on_caster(blink((600, 700, 800, 900)), heal((70, 100, 130, 160))),
      60, (16, 14, 12, 10), range=0, cast_time=0.1),
    A("haste_ally", "unit", (haste((0.2, 0.25, 0.3, 0.35), 6), frenzy((0.2, 0.25, 0.3, 0.35), 6)),
      70, 14, range=700, hits="allies", heroes_only=True),
    A("chronosphere", "point", stun((3.0, 3.5, 4.0)), (150, 225, 300), (140, 125, 110), range=500,
      area="circle", radius=425),
    # --- item actives and passives
    A("salve", "none", on_caster(heal(400)), range=0, cast_time=0.0),
    A("clarity", "none", on_caster(mana(150)), range=0, cast_time=0.0),
    A("town_portal", "point", on_caster(teleport()), 0, 80, range=0, cast_time=3.0),
    A("dust", "none", reveal(12), 0, 30, range=0, cast_time=0.0, area="circle", radius=1050,
      heroes_only=True),
    A("blink", "point", on_caster(blink(1200)), 0, 15, range=0, cast_time=0.0,
      locked_after_damage=3.0),
    A("shadow_walk", "none", on_caster(invisible(0.3, 14), haste(0.2, 14)), 75, 28, range=0,
      cast_time=0.0),
    A("avatar", "none", on_caster(magic_immune(6)), 0, 70, range=0, cast_time=0.0),
    A("restore", "none", heal(250), 150, 50, range=0, cast_time=0.0, hits="allies", area="circle",
      radius=1200, heroes_only=True),
    A("soul_burn", "unit", silence(5), 100, 18, range=900),
    A("phase", "none", on_caster(haste(0.2, 3)), 0, 8, range=0, cast_time=0.0),
    A("berserk", "none", on_caster(frenzy(1.0, 8)), 25, 16, range=0, cast_time=0.0),
    A("cripple", "unit", root(2.0), 50, 18, range=1100),
    A("energy_burst", "unit", damage(400), 120, 35, range=600),
    A("insulation", "none", on_caster(shield(325, 12)), 0, 60, range=0, cast_time=0.0),
    P("great_crit", crit(0.3, 1.6)),
    P("vampiric", lifesteal(0.15)),
    P("flutter", evasion(0.35)),
    P("bash_item", bash(0.15, 1.2)),
    P("spell_ward", magic_resist(0.15)),
    P("defiance", magic_resist(0.20)),
)
ABILITY_INDEX: dict[str, int] = {a.name: i for i, a in enumerate(ABILITIES)}
