"""Abilities, items and invisibility, checked on hand-made situations.

Same lineup as test_rules (tables.HEROES[:10]): Radiant 0 axeman, 1 sniper,
2 frost_witch, 3 shadow_blade, 4 stone_giant; Dire 5 storm_caller,
6 blade_dancer, 7 priestess, 8 venom_lurker, 9 warlord. Heroes have 25%
magic resistance. Fights are set up at (3000, 1800) on the 6000-unit map:
open ground, out of every tower's range and true sight (Radiant's mid tier 1
at (2400, 2400) is 848 away, but it only reveals Dire units). The clock is
set to tick 1 so no creep wave spawns during a test.
"""

import numpy as np
import pytest
from helpers import DIRE, RADIANT, bslot, make_env

from engine import fields as F
from engine import observe, rules, sim
from engine.abilities import ABILITIES, ABILITY_INDEX, Ability, damage, stun
from engine.constants import (
    ACT_BUY,
    ACT_CAST1,
    ACT_ITEM1,
    ACT_NOOP,
    NUM_HEADS,
    OFFSET_CENTER,
    ORDER_ATTACK,
    ORDER_MOVE,
    TICKS_PER_SECOND,
)
from engine.effects import apply_ability, order_cast
from engine.spec import EVENT_INDEX, U_HERO_ID, U_PRESENT, UNIT_F
from engine.tables import HEROES, ITEM_INDEX, ITEMS, KITS, HeroKit, TableError, check_tables

X, Y = 3000.0, 1800.0
S = TICKS_PER_SECOND


def fight_env():
    env = make_env()
    env.state.gi[0, F.TICK] = 1
    return env, env.state, env.world


def place(s, u, x, y):
    s.uf[0, u, F.X] = x
    s.uf[0, u, F.Y] = y


def ab(name):
    return ABILITY_INDEX[name]


def give(s, w, h, item, slot=0):
    s.inv[0, h, slot, F.INV_ITEM] = ITEM_INDEX[item]
    s.inv[0, h, slot, F.INV_CHARGES] = ITEMS[ITEM_INDEX[item]].charges
    rules.hero_stats(s, w, 0, h)


def ticks(env, n):
    for _ in range(n):
        sim.tick_game(env.state, env.world, 0)


def see(env):
    observe.observe_game(env.state, env.world, 0)


def row(s, team, u):
    return int(np.flatnonzero(s.team_units[0, team] == u)[0])


def action(h, typ, k=0, ox=OFFSET_CENTER, oy=OFFSET_CENTER, item=0):
    a = np.zeros((1, 10, NUM_HEADS), np.int32)
    a[0, :, 2:4] = OFFSET_CENTER
    a[0, h] = (typ, k, ox, oy, item)
    return a


def hero_ids_seen(env, h):
    """Hero ids (+1) of the rows in hero h's observation."""
    o = env.state.obs[0, h]
    K = env.world.pi[F.P_OBS_UNITS]
    rows = o[: K * UNIT_F].reshape(K, UNIT_F)
    return set(rows[rows[:, U_PRESENT] > 0, U_HERO_ID].astype(int)) - {0}


# --------------------------------------------------------------------------
# Crowd control


def test_stun_stops_orders_for_its_duration():
    env, s, w = fight_env()
    place(s, 0, X, Y)
    place(s, 5, X + 200, Y)
    # axeman's battle_cry at level 1: stun 1.2 s in a circle of 300 around him.
    apply_ability(s, w, 0, 0, ab("battle_cry"), 1, -1, X, Y)
    assert s.uf[0, 5, F.STUN_END] == 1 + 1.2 * S
    see(env)
    assert np.flatnonzero(s.mask_type[0, 5]).tolist() == [ACT_NOOP]  # nothing but wait
    s.ui[0, 5, F.ORDER] = ORDER_MOVE
    s.uf[0, 5, F.ORDER_X], s.uf[0, 5, F.ORDER_Y] = X + 1000, Y
    ticks(env, 36 - 1)  # ticks 1..35: stunned
    assert s.uf[0, 5, F.X] == X + 200
    ticks(env, 2)
    assert s.uf[0, 5, F.X] > X + 200


def test_slow_cuts_speed_and_magic_resistance_cuts_damage():
    env, s, w = fight_env()
    place(s, 2, X - 300, Y)
    place(s, 5, X, Y)
    hp = s.uf[0, 5, F.HP]
    # crystal_nova level 1 at (X, Y): 100 magical damage, slow 30% for 4.5 s.
    apply_ability(s, w, 0, 2, ab("crystal_nova"), 1, -1, X, Y)
    assert s.uf[0, 5, F.HP] == pytest.approx(hp - 100 * 0.75)
    s.ui[0, 5, F.ORDER] = ORDER_MOVE
    s.uf[0, 5, F.ORDER_X], s.uf[0, 5, F.ORDER_Y] = X + 2000, Y
    ticks(env, 30)
    assert s.uf[0, 5, F.X] - X == pytest.approx(290 * 0.7, rel=1e-4)  # storm_caller: 290/s


def test_magic_resistance_from_an_item_stacks_multiplicatively():
    env, s, w = fight_env()
    place(s, 2, X - 300, Y)
    place(s, 5, X, Y)
    give(s, w, 5, "cloak")  # +15%: 1 - 0.75 * 0.85 = 36.25%
    assert s.uf[0, 5, F.MAGIC_RES] == pytest.approx(0.3625)
    hp = s.uf[0, 5, F.HP]
    apply_ability(s, w, 0, 2, ab("crystal_nova"), 1, -1, X, Y)
    assert s.uf[0, 5, F.HP] == pytest.approx(hp - 100 * 0.6375, rel=1e-5)


def test_root_stops_walking_but_not_attacking():
    env, s, w = fight_env()
    place(s, 2, X - 300, Y)
    place(s, 5, X, Y)
    apply_ability(s, w, 0, 2, ab("frostbite"), 1, 5, X, Y)  # root 1.5 s
    s.ui[0, 5, F.ORDER] = ORDER_MOVE
    s.uf[0, 5, F.ORDER_X], s.uf[0, 5, F.ORDER_Y] = X + 1000, Y
    ticks(env, 30)
    assert s.uf[0, 5, F.X] == X
    hp2 = s.uf[0, 2, F.HP]
    s.ui[0, 5, F.ORDER] = ORDER_ATTACK  # frost_witch, 300 away, in storm_caller's range
    s.ui[0, 5, F.ORDER_TARGET] = 2
    s.visible[0, DIRE, 2] = True
    ticks(env, 2)
    assert s.uf[0, 2, F.HP] < hp2


def test_silence_blocks_abilities_but_not_items():
    env, s, w = fight_env()
    place(s, 3, X, Y)
    place(s, 5, X + 200, Y)
    give(s, w, 5, "healing_salve")
    see(env)
    assert s.mask_type[0, 5, ACT_CAST1 + 1]  # storm_caller's level-1 lightning_bolt
    apply_ability(s, w, 0, 3, ab("smoke_screen"), 1, -1, X + 200, Y)  # silence 3 s
    see(env)
    assert not s.mask_type[0, 5, ACT_CAST1:ACT_CAST1 + 4].any()
    assert s.mask_type[0, 5, ACT_ITEM1]


def test_damage_over_time_ticks_for_its_duration():
    env, s, w = fight_env()
    place(s, 0, X - 300, Y)
    place(s, 5, X, Y)
    s.uf[0, 5, F.HP_REGEN] = 0.0
    hp = s.uf[0, 5, F.HP]
    apply_ability(s, w, 0, 0, ab("battle_hunger"), 1, 5, X, Y)  # 16/s for 8 s, magical
    ticks(env, 10 * S)
    assert hp - s.uf[0, 5, F.HP] == pytest.approx(16 * 8 * 0.75, rel=1e-3)
    assert s.damaged_by[0, 5, 0] >= 0  # the DoT's damage is axeman's


def test_shield_absorbs_damage_first():
    env, s, w = fight_env()
    place(s, 2, X, Y)
    place(s, 1, X + 100, Y)
    apply_ability(s, w, 0, 2, ab("frost_armor"), 1, 1, X, Y)  # a 120 shield on sniper
    hp = s.uf[0, 1, F.HP]
    rules.deal_damage(s, w, 0, 5, 1, 200.0)
    assert s.uf[0, 1, F.HP] == pytest.approx(hp - 80)
    rules.deal_damage(s, w, 0, 5, 1, 50.0)
    assert s.uf[0, 1, F.HP] == pytest.approx(hp - 130)


def test_heal_and_knockback_and_pull():
    env, s, w = fight_env()
    place(s, 7, X, Y)
    s.uf[0, 6, F.HP] = 100.0
    place(s, 6, X + 100, Y)
    apply_ability(s, w, 0, 7, ab("purify"), 1, 6, X, Y)  # heal 90
    assert s.uf[0, 6, F.HP] == pytest.approx(190.0)
    place(s, 4, X - 300, Y)
    apply_ability(s, w, 0, 4, ab("hurl"), 1, 6, X, Y)  # stone_giant pushes 400 away
    assert s.uf[0, 6, F.X] == pytest.approx(X + 500)
    place(s, 9, X - 500, Y)
    place(s, 0, X + 700, Y)
    apply_ability(s, w, 0, 9, ab("blood_hook"), 1, 0, X, Y)  # any caster: a pull of 1000
    assert s.uf[0, 0, F.X] == pytest.approx(X - 300)


def test_haste_and_frenzy_buff_speed_and_attacks():
    env, s, w = fight_env()
    place(s, 1, X, Y)
    apply_ability(s, w, 0, 1, ab("steady_aim"), 1, -1, X, Y)  # +30% attack speed for 5 s
    place(s, 5, X + 300, Y)
    rules.hero_attack(s, w, 0, 1, 5)
    assert s.uf[0, 1, F.ATTACK_CD] == pytest.approx(s.uf[0, 1, F.ATTACK_TICKS] / 1.3)
    apply_ability(s, w, 0, 1, ab("phase"), 1, -1, X, Y)  # +20% move speed for 3 s
    assert rules.speed_now(s, 0, 1) == pytest.approx(s.uf[0, 1, F.SPEED] * 1.2)


# --------------------------------------------------------------------------
# Passives


def test_passives_come_from_ability_levels_and_items():
    env, s, w = fight_env()
    # shadow_blade levels backstab first (skill order "201"): crit 20% x1.4 at level 1.
    assert s.abil[0, 3, 2, F.ABIL_LEVEL] == 1
    assert (s.hf[0, 3, F.CRIT_CHANCE], s.hf[0, 3, F.CRIT_MULT]) == pytest.approx((0.2, 1.4))
    give(s, w, 0, "morbid_mask")
    assert s.hf[0, 0, F.LIFESTEAL] == pytest.approx(0.15)
    give(s, w, 0, "butterfly", slot=1)
    assert s.hf[0, 0, F.EVASION] == pytest.approx(0.35)


def test_crit_lifesteal_evasion_bash_in_an_attack():
    env, s, w = fight_env()
    place(s, 0, X, Y)
    place(s, 5, X + 100, Y)
    base = s.uf[0, 0, F.DAMAGE] * rules.armor_factor(s.uf[0, 5, F.ARMOR])
    s.hf[0, 0, F.CRIT_CHANCE], s.hf[0, 0, F.CRIT_MULT] = 1.0, 2.0
    s.hf[0, 0, F.LIFESTEAL] = 0.5
    s.hf[0, 0, F.BASH_CHANCE], s.hf[0, 0, F.BASH_TICKS] = 1.0, 30
    s.uf[0, 0, F.HP] = 300.0
    hp5 = s.uf[0, 5, F.HP]
    rules.hero_attack(s, w, 0, 0, 5)
    assert hp5 - s.uf[0, 5, F.HP] == pytest.approx(2 * base, rel=1e-5)
    assert s.uf[0, 0, F.HP] == pytest.approx(300.0 + base, rel=1e-5)
    assert s.uf[0, 5, F.STUN_END] == 1 + 30
    s.hf[0, 5, F.EVASION] = 1.0
    hp5 = s.uf[0, 5, F.HP]
    rules.hero_attack(s, w, 0, 0, 5)
    assert s.uf[0, 5, F.HP] == hp5


# --------------------------------------------------------------------------
# Invisibility


def test_invisibility_hides_breaks_on_attack_and_true_sight_reveals():
    env, s, w = fight_env()
    place(s, 3, X, Y)
    place(s, 5, X + 150, Y)  # in shadow_blade's reach: its attack lands at once
    give(s, w, 3, "shadow_cloak")  # invisible after 0.3 s, for 14 s
    see(env)
    assert 3 + 1 in hero_ids_seen(env, 5)
    env.step(action(3, ACT_ITEM1, row(s, RADIANT, 3)))
    env.step(action(3, ACT_NOOP))
    env.step(action(3, ACT_NOOP))  # 12 ticks: past the fade
    assert rules.invisible(s, 0, 3)
    assert not s.visible[0, DIRE, 3]
    for h in range(5, 10):
        assert 3 + 1 not in hero_ids_seen(env, h)
    assert 3 + 1 in hero_ids_seen(env, 0)  # its own team still sees it
    # Attacking breaks it.
    env.step(action(3, 3, row(s, RADIANT, 5)))
    assert not rules.invisible(s, 0, 3)
    assert s.visible[0, DIRE, 3]
    # Invisible again, next to a Dire tower: true sight.
    rules.set_status_end(s, 0, 3, F.INVIS_END, 10_000.0)
    s.uf[0, 3, F.INVIS_START] = 0
    tower = bslot(DIRE, "mid_t1")
    place(s, 3, s.uf[0, tower, F.X] - 800, s.uf[0, tower, F.Y])
    see(env)
    assert s.visible[0, DIRE, 3]
    place(s, 3, X, Y)
    see(env)
    assert not s.visible[0, DIRE, 3]


def test_dust_reveals_invisible_heroes():
    env, s, w = fight_env()
    place(s, 3, X, Y)
    place(s, 5, X + 300, Y)
    rules.set_status_end(s, 0, 3, F.INVIS_END, 10_000.0)
    see(env)
    assert not s.visible[0, DIRE, 3]
    give(s, w, 5, "dust_of_appearance")
    apply_ability(s, w, 0, 5, ab("dust"), 1, -1, X, Y)
    see(env)
    assert s.visible[0, DIRE, 3]


# --------------------------------------------------------------------------
# Items: blink, portal, immunity, consumables, the shop


def test_blink_moves_and_is_disabled_after_damage():
    env, s, w = fight_env()
    place(s, 0, X, Y)
    give(s, w, 0, "blink_dagger")
    see(env)
    env.step(action(0, ACT_ITEM1, row(s, RADIANT, 0), ox=OFFSET_CENTER + 4))  # 600 east
    assert s.uf[0, 0, F.X] == pytest.approx(X + 600)
    assert not s.mask_type[0, 0, ACT_ITEM1]  # 15 s cooldown
    s.inv[0, 0, 0, F.INV_READY] = 0
    s.damaged_by[0, 0, 5] = s.gi[0, F.TICK]  # an enemy hero hits it
    see(env)
    assert not s.mask_type[0, 0, ACT_ITEM1]
    s.gi[0, F.TICK] += 3 * S
    see(env)
    assert s.mask_type[0, 0, ACT_ITEM1]


def test_town_portal_lands_at_the_building_after_its_channel():
    env, s, w = fight_env()
    place(s, 1, X, Y)
    give(s, w, 1, "town_portal")
    tower = bslot(RADIANT, "top_t1")
    tx, ty = s.uf[0, tower, F.X], s.uf[0, tower, F.Y]
    order_cast(s, w, 0, 1, 4, -1, tx + 50, ty)
    ticks(env, 3 * S)  # the channel: 3 s
    assert (s.uf[0, 1, F.X], s.uf[0, 1, F.Y]) == (X, Y)
    ticks(env, 1)
    assert np.hypot(s.uf[0, 1, F.X] - tx, s.uf[0, 1, F.Y] - ty) < 300
    assert s.inv[0, 1, 0, F.INV_ITEM] == -1  # used up


def test_a_stun_interrupts_the_portal():
    env, s, w = fight_env()
    place(s, 1, X, Y)
    give(s, w, 1, "town_portal")
    order_cast(s, w, 0, 1, 4, -1, 500.0, 500.0)
    ticks(env, S)
    rules.stun_unit(s, 0, 1, s.gi[0, F.TICK] + 10)
    ticks(env, 3 * S)
    assert (s.uf[0, 1, F.X], s.uf[0, 1, F.Y]) == (X, Y)
    assert s.inv[0, 1, 0, F.INV_ITEM] == ITEM_INDEX["town_portal"]  # not spent


def test_magic_immunity_blocks_a_stun():
    env, s, w = fight_env()
    place(s, 0, X, Y)
    place(s, 5, X + 200, Y)
    give(s, w, 5, "black_king_bar")
    apply_ability(s, w, 0, 5, ab("avatar"), 1, -1, X, Y)
    hp = s.uf[0, 5, F.HP]
    apply_ability(s, w, 0, 0, ab("battle_cry"), 1, -1, X, Y)
    assert s.uf[0, 5, F.STUN_END] == 0
    apply_ability(s, w, 0, 2, ab("crystal_nova"), 1, -1, X + 200, Y)
    assert s.uf[0, 5, F.HP] == hp


def test_a_consumable_heals_and_is_used_up():
    env, s, w = fight_env()
    place(s, 0, X, Y)
    give(s, w, 0, "healing_salve")
    s.uf[0, 0, F.HP] = 100.0
    see(env)
    events = env.step(action(0, ACT_ITEM1, row(s, RADIANT, 0))).events
    assert s.uf[0, 0, F.HP] == pytest.approx(100.0 + 400 + 4 * s.uf[0, 0, F.HP_REGEN], rel=1e-5)
    assert s.inv[0, 0, 0, F.INV_ITEM] == -1
    assert events[0, 0, EVENT_INDEX["items_used"]] == 1
    assert not s.mask_type[0, 0, ACT_ITEM1]


def test_buying_fails_away_from_the_shop_without_gold_or_with_a_full_inventory():
    env, s, w = fight_env()
    boots = ITEM_INDEX["boots"]
    see(env)
    assert s.mask_item[0, 0, boots]  # at the fountain with 600 gold
    gold = s.hf[0, 0, F.GOLD]

    def try_buy():
        see(env)
        ev = env.step(action(0, ACT_BUY, item=boots)).events
        return ev[0, 0, EVENT_INDEX["invalid_actions"]]

    place(s, 0, X, Y)  # away from the shop
    assert try_buy() == 1
    place(s, 0, 200.0, 200.0)
    s.hf[0, 0, F.GOLD] = 100.0  # too poor
    assert try_buy() == 1
    s.hf[0, 0, F.GOLD] = gold
    for slot in range(6):
        give(s, w, 0, "iron_branch", slot)
    assert try_buy() == 1
    assert s.hf[0, 0, F.GOLD] >= gold  # nothing was spent
    s.inv[0, 0, 5, F.INV_ITEM] = -1
    assert try_buy() == 0
    assert boots in s.inv[0, 0, :, F.INV_ITEM]


# --------------------------------------------------------------------------
# Casting through actions, levels, the bot


def test_cast_action_walks_into_range_then_casts():
    env, s, w = fight_env()
    place(s, 5, X, Y)
    place(s, 0, X + 1000, Y)
    see(env)
    k = row(s, DIRE, 0)
    assert s.mask_target[0, 5, ACT_CAST1 + 1, k]  # lightning_bolt (point) anchored on axeman
    hp = s.uf[0, 0, F.HP]
    mana = s.uf[0, 5, F.MANA]
    for _ in range(20):
        ev = env.step(action(5, ACT_CAST1 + 1, k)).events if _ == 0 else env.step(action(5, ACT_NOOP)).events
        if ev[0, 5, EVENT_INDEX["ability_casts"]]:
            break
    assert s.uf[0, 0, F.HP] < hp
    assert s.uf[0, 5, F.MANA] < mana - 100  # 120 spent
    assert np.hypot(s.uf[0, 5, F.X] - s.uf[0, 0, F.X], 0) <= 700 + 1
    assert s.abil[0, 5, 1, F.ABIL_READY] > s.gi[0, F.TICK]


def test_ability_levels_follow_the_skill_build():
    env, s, w = fight_env()
    rules.grant_xp(s, w, 0, 0, 2440.0)  # level 6
    assert s.hi[0, 0, F.LEVEL] == 6
    assert s.abil[0, 0, :, F.ABIL_LEVEL].tolist() == [3, 2, 0, 1]  # axeman: "012", ultimate at 6


def test_scripted_bots_cast_abilities_and_use_items():
    from agents.scripted import ScriptedAgent

    env = make_env(num_games=4, lineup="random")
    step = env.reset()
    bots = ScriptedAgent(), ScriptedAgent()
    casts = np.zeros(2)
    items = 0.0
    for _ in range(8 * 60 * S // 4):  # 8 game minutes
        a = np.concatenate([bots[0].act(env, step, 0), bots[1].act(env, step, 1)], axis=1)
        step = env.step(a)
        casts += step.events[..., EVENT_INDEX["ability_casts"]].reshape(4, 2, 5).sum((0, 2))
        items += step.events[..., EVENT_INDEX["items_used"]].sum()
        bad = np.argwhere(step.events[..., EVENT_INDEX["invalid_actions"]] > 0)
        assert not len(bad), (bad, a[tuple(bad[0])])
    assert (casts > 10).all()
    assert items > 0


# --------------------------------------------------------------------------
# Bad tables


def test_inconsistent_tables_are_named():
    bad = Ability("bad_nuke", "unit", (damage(100.0),), cooldown=(5.0, -1.0, 5.0, 5.0))
    with pytest.raises(TableError, match="ability 'bad_nuke': cooldown at level 2 is -1"):
        check_tables(abilities=ABILITIES + (bad,))
    passive_stun = Ability("odd", "passive", (stun(1.0),))
    with pytest.raises(TableError, match="'odd'.*cannot be in a passive"):
        check_tables(abilities=ABILITIES + (passive_stun,))
    kits = dict(KITS, axeman=HeroKit(("battle_cry", "battle_hunger", "iron_hide"), "012"))
    with pytest.raises(TableError, match="hero 'axeman' has 3 abilities"):
        check_tables(kits=kits)
    kits = dict(KITS, axeman=HeroKit(("battle_cry", "battle_hunger", "iron_hide", "nope"), "012"))
    with pytest.raises(TableError, match="hero 'axeman': ability 'nope' is not in the ability table"):
        check_tables(kits=kits)
    kits = dict(KITS)
    del kits[HEROES[3].name]
    with pytest.raises(TableError, match="hero 'shadow_blade' has no kit"):
        check_tables(kits=kits)
    check_tables()  # the shipped tables are consistent
