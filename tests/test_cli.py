"""Smoke runs of every command, and its errors on bad input."""

import pytest

from engine import ConfigError
from moba.cli import main
from moba.presets import load_preset, parse_override


def test_match_prints_results_and_win_rates(capsys):
    assert main(["match", "--games", "2", "--batch", "2",
                 "--set", "game.time_cap_minutes=0.5", "--dire", "random"]) == 0
    out = capsys.readouterr().out
    assert "game    0:" in out and "game    1:" in out
    assert "draws 100%" in out  # 30 seconds is too short for either side to win


def test_config_lists_every_setting_as_a_preset_that_loads(capsys, tmp_path):
    assert main(["config", "--preset", "small", "--set", "ppo.epochs=3"]) == 0
    out = capsys.readouterr().out
    assert "map_size = 6000.0" in out and "obs_units = 32" in out and "zero_sum = true" in out
    copy = tmp_path / "copy.toml"
    copy.write_text(out)
    assert load_preset(str(copy)).run == load_preset("small", ["ppo.epochs=3"]).run


@pytest.mark.parametrize("argv, message", [
    (["match", "--preset", "nope"], "unknown preset 'nope'"),
    (["match", "--set", "game.bogus=1"], "unknown key 'game.bogus'"),
    (["match", "--set", "game.map_size=-1"], "game.map_size = -1.0 is out of range"),
    (["match", "--set", "trian.lr=1"], "unknown section 'trian'"),
    (["match", "--set", "ppo.lr=1"], "unknown key 'ppo.lr'"),
    (["match", "--set", "game.lineup=['axeman']"], "game.lineup must be"),
])
def test_bad_settings_are_refused_with_a_clear_message(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_overrides_parse_toml_values():
    assert parse_override("game.map_size=8000") == ("game", "map_size", 8000)
    assert parse_override("game.lineup=mirror") == ("game", "lineup", "mirror")
    assert load_preset("small", ["game.frameskip=2"]).game.frameskip == 2
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_override("map_size=1")


def test_preset_file_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[game\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_preset(str(bad))
    other = tmp_path / "other.toml"
    other.write_text("[gmae]\nmap_size = 1\n")
    with pytest.raises(ConfigError, match=r"unknown section \[gmae\]"):
        load_preset(str(other))
    with pytest.raises(ConfigError, match="does not exist"):
        load_preset(str(tmp_path / "missing.toml"))


def test_heroes_prints_the_roster_with_ability_numbers(capsys):
    from engine.tables import HEROES, ITEMS

    assert main(["heroes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("17 heroes")
    for h in HEROES:
        assert f"\n{h.name} ({h.role}" in out
    # axeman's first ability, with its per-level numbers.
    assert "Q battle_cry (none, circle 300, cast 0.3 s, mana 80/90/100/110, cd 16/14/12/10 s): " \
           "stun 1.2/1.5/1.8/2.1 s" in out
    assert "R culling_blade" in out and "damage 250/325/400" in out
    for it in ITEMS:
        assert f"  {it.name} ({it.cost:g} gold)" in out
    assert main(["heroes", "--hero", "sniper"]) == 0
    out = capsys.readouterr().out
    assert "sniper (carry, ranged)" in out and "axeman" not in out
    assert main(["heroes", "--hero", "nobody"]) == 2
    assert "no hero 'nobody'" in capsys.readouterr().err


def test_lineups_with_an_unknown_or_repeated_hero_are_refused(capsys):
    five = ["axeman", "sniper", "frost_witch", "shadow_blade", "stone_giant"]
    dup = five[:4] + ["axeman"]
    assert main(["match", "--set", f"game.lineup={five + dup}"]) == 2
    assert "game.lineup has 'axeman' twice on Dire" in capsys.readouterr().err
    assert main(["match", "--set", f"game.lineup={five + five[:4] + ['zeus']}"]) == 2
    assert "unknown hero 'zeus'" in capsys.readouterr().err


def test_bench_balance_prints_each_heros_win_rate(capsys):
    assert main(["bench", "balance", "--games", "4", "--batch", "4",
                 "--set", "game.time_cap_minutes=0.2"]) == 0
    out = capsys.readouterr().out
    assert "4 scripted games with random lineups" in out
    assert "draws 100.0%" in out
    assert "heroes outside 35-65%" in out
