"""Curricula: stages of a run under changed rules, passed on measured win rates."""

import tomllib

import pytest
import tomli_w
from helpers import TINY_RUN, tiny_run_overrides
from test_training import sigterm_after

from engine import ConfigError
from league.config import RunConfig
from league.curriculum import Curriculum
from league.selfplay import Trainer
from moba.cli import main
from moba.presets import load_preset

PRESET = """
[train]
opponent_random = 0.25

[[curriculum]]
name = "paper"
promote = {random = 0.9}
window = 100
game = {building_hp_scale = 0.01, time_cap_minutes = 5.0}
train = {opponent_random = 0.5, opponent_latest = 0.3}

[[curriculum]]
name = "half"
max_steps = 1000
game = {building_hp_scale = 0.1}
"""


def test_stages_come_from_the_preset_and_only_what_can_change_changes(tmp_path):
    path = tmp_path / "staged.toml"
    path.write_text(PRESET)
    run = load_preset(str(path)).run
    assert [s.name for s in run.curriculum] == ["paper", "half"]
    paper, half, main_stage = run.stage(0), run.stage(1), run.stage(2)
    assert (paper.game.building_hp_scale, paper.game.time_cap_minutes) == (0.01, 5.0)
    assert (paper.train.opponent_random, paper.train.opponent_latest, paper.train.opponent_past) == (0.5, 0.3, 0.2)
    assert (half.game.building_hp_scale, half.game.time_cap_minutes) == (0.1, run.game.time_cap_minutes)
    assert half.train == run.train and main_stage is run and not paper.curriculum
    # As a run folder's config.toml writes it and reads it back.
    assert RunConfig.from_dict(tomllib.loads(tomli_w.dumps(run.to_dict()))) == run

    def refused(stage: str, match: str) -> None:
        path.write_text(f"[[curriculum]]\nname = 'x'\n{stage}\n")
        with pytest.raises(ConfigError, match=match):
            load_preset(str(path))

    refused("promot = {random = 0.5}", "unknown key 'promot' in curriculum stage 'x'")
    refused("max_steps = 10\ntrain = {num_games = 8}", "stage 'x': train.num_games cannot change")
    refused("max_steps = 10\ngame = {obs_units = 16}", "stage 'x' changes the network's input shapes")
    refused("promote = {scripted = 0.5}\ntrain = {opponent_scripted = 0.0}",
            "promotes on the win rate against scripted but plays no game against it")
    refused("promote = {random = 0.5}", "against random but plays no game")  # the preset's default: no random
    refused("max_steps = 10\n[[curriculum]]\nname = 'x'\nmax_steps = 20", "stage name 'x' is given twice")
    refused("max_steps = 10\n[[curriculum]]\nname = 'main'\nmax_steps = 20", "'main' is the run's own settings")
    refused("game = {building_hp_scale = 0.1}", "stage 'x' never ends")
    refused("promote = {scripted = 1.5}", r"promote.scripted = 1.5 is not a win rate")
    refused("max_steps = 10\ngame = {map_size = 'big'}", "curriculum stage 'x': game.map_size must be a number")
    refused("max_steps = -1", "max_steps = -1 must be an integer of at least 0")
    refused("max_steps = 10\nteacher = {kickstart_balance = 0.0}", "teacher.kickstart_balance cannot change")
    refused("max_steps = 10\nppo = {gamma = 0.99}", "stage 'x': ppo.gamma cannot change")


def test_a_stage_is_passed_when_its_whole_window_wins_enough_or_its_steps_are_spent(tmp_path):
    path = tmp_path / "staged.toml"
    path.write_text(PRESET.replace("window = 100", "window = 4").replace("0.9", "0.8"))
    c = Curriculum(load_preset(str(path)).run)
    assert (c.index, c.name, c.stages) == (0, "paper", 3)
    for won in (1.0, 0.0, 1.0):
        c.observe({"win_rate/random": won, "win_rate/scripted": 1.0})
    assert c.rates() == {"random": pytest.approx(2 / 3)} and c.ready(10**6) is None  # three games of four
    c.observe({"win_rate/random": 1.0})
    assert c.ready(10**6) is None  # 3 of 4
    c.observe({"win_rate/random": 1.0})  # the first game leaves the window: 3 of 4
    assert c.ready(10**6) is None
    c.observe({"win_rate/random": 1.0})  # 4 of 4
    assert c.ready(5000) == "won 100% of its last 4 games against random (to pass: 80%)"
    assert c.describe() == "1/3 paper random 100%/80%"
    c.advance(5000, c.ready(5000))
    assert (c.index, c.name, c.since) == (1, "half", 5000) and c.settings().game.building_hp_scale == 0.1
    assert c.ready(5999) is None and c.ready(6000) == "trained its 1,000 hero steps"
    saved = c.state()
    c.advance(6000, "trained")
    assert c.stage is None and c.settings() is c.cfg and c.ready(10**9) is None
    again = Curriculum(c.cfg)
    again.restore(saved)
    assert (again.index, again.since, again.passed) == (1, 5000, c.passed[:1])
    assert c.metrics() == {"curriculum/stage": 3.0}


def test_a_fork_finds_its_sources_stage_by_name(tmp_path):
    path = tmp_path / "staged.toml"
    path.write_text(PRESET)
    source = Curriculum(load_preset(str(path)).run)
    source.advance(5000, "won")
    at_half = source.state()
    # One stage more before 'half': its number now names 'quarter'.
    quarter = 'name = "quarter"\nmax_steps = 500\n\n[[curriculum]]\nname = "half"'
    path.write_text(PRESET.replace('name = "half"', quarter))
    fork = Curriculum(load_preset(str(path)).run)
    fork.restore(at_half, by_name=True)
    assert (fork.index, fork.name, fork.since, fork.passed) == (2, "half", 5000, source.passed)
    fork.restore(at_half)  # a run's own checkpoint, under the same stages, goes by number
    assert fork.name == "quarter"
    source.advance(6000, "trained")
    fork.restore(source.state(), by_name=True)
    assert (fork.index, fork.name, fork.stage) == (3, "main", None)
    path.write_text(PRESET.replace('"half"', '"tenth"'))
    with pytest.raises(ValueError, match=r"stage 'half', which this run does not have \(stages: paper, tenth, main\)"):
        Curriculum(load_preset(str(path)).run).restore(at_half, by_name=True)


def staged_run(updates):
    """TINY_RUN with a 12-second cap and no imitation, after a stage of
    6-second games with imitation and no entropy bonus that ends with the
    first game against the random bot."""
    data = {name: dict(values) for name, values in TINY_RUN.items()}
    data["game"]["time_cap_minutes"] = 0.2
    data["teacher"] = {"kickstart_coef": 0.0}
    data["train"]["total_steps"] = updates * 320
    data["curriculum"] = [{"name": "shorter", "promote": {"random": 0.0}, "window": 1,
                           "game": {"time_cap_minutes": 0.1}, "teacher": {"kickstart_coef": 10.0},
                           "ppo": {"entropy_coef": 0.0, "entropy_coef_end": 0.0}}]
    return RunConfig.from_dict(data)


def test_a_run_plays_each_stage_under_its_rules_and_resumes_in_its_stage(tmp_path):
    seen = []
    trainer = Trainer(tmp_path / "run", staged_run(updates=5))
    stop = sigterm_after(4)

    def on_update(update, metrics):
        seen.append((metrics["curriculum/stage"], metrics["schedule/kickstart_coef"] > 9,
                     metrics["schedule/entropy_coef"] > 0, trainer.rollouts.worker.games.env.config.time_cap_minutes))
        stop(update, metrics)

    trainer.run(on_update)
    # A 6-second game is 45 decisions: the first ends in the third update of 16, and the stage with it.
    assert seen == [(1.0, True, False, 0.1), (1.0, True, False, 0.1), (1.0, True, False, 0.2),
                    (2.0, False, True, 0.2)]
    assert [str(p) for p in trainer.curriculum.passed] == [
        "stage 1 'shorter' passed at 960 hero steps: won 0% of its last 1 games against random (to pass: 0%)"]
    resumed = Trainer.resume(tmp_path / "run")
    assert resumed.update == 4 and resumed.curriculum.index == 1
    assert resumed.curriculum.passed == trainer.curriculum.passed
    assert resumed.rollouts.worker.games.env.config.time_cap_minutes == 0.2
    resumed.run()
    assert resumed.update == 5
    # A fork under a stage more before 'shorter' goes on where its source was, in the run's own settings.
    cfg = staged_run(updates=6)
    longer = {"name": "longer", "max_steps": 320, "game": {"time_cap_minutes": 0.15}}
    cfg = RunConfig.from_dict({**cfg.to_dict(), "curriculum": [longer, *cfg.to_dict()["curriculum"]]})
    fork = Trainer.fork(resumed.latest_checkpoint(), tmp_path / "fork", cfg)
    assert (fork.curriculum.name, fork.curriculum.passed) == ("main", resumed.curriculum.passed)
    assert fork.rollouts.worker.games.env.config.time_cap_minutes == 0.2
    fork.close()


def test_moba_config_lists_the_curriculum(tmp_path, capsys):
    path = tmp_path / "staged.toml"
    path.write_text(PRESET)
    assert main(["config", "--preset", str(path)]) == 0
    out = capsys.readouterr().out
    assert tomllib.loads(out[out.index("[[curriculum]]"):])["curriculum"][1] == {
        "name": "half", "promote": {}, "window": 200, "max_steps": 1000, "game": {"building_hp_scale": 0.1}}


def test_set_edits_a_stage_named_by_number_or_name(tmp_path):
    path = tmp_path / "staged.toml"
    path.write_text(PRESET)
    run = load_preset(str(path), ["curriculum.2.max_steps=5000", "curriculum.paper.promote.random=0.5",
                                  "curriculum.paper.game.time_cap_minutes=3.0",
                                  "curriculum.half.train.scripted_skill=0.25"]).run
    paper, half = run.curriculum
    assert half.max_steps == 5000 and paper.promote == {"random": 0.5}
    assert run.stage(1).train.scripted_skill == 0.25 and run.train.scripted_skill == 1.0
    assert run.stage(0).game.time_cap_minutes == 3.0 and run.stage(0).game.building_hp_scale == 0.01
    assert load_preset(str(path)).run.curriculum[1].max_steps == 1000  # the file is left as it was
    for override, match in (("curriculum.3.max_steps=1", "stages: paper, half"),
                            ("curriculum.whole.max_steps=1", "stages: paper, half"),
                            ("curriculum.half=1", "must look like curriculum.<stage>.key=value"),
                            ("curriculum.paper.window.x=1", "window is not a table"),
                            ("curriculum.half.ppo.gamma=0.9", "stage 'half': ppo.gamma cannot change")):
        with pytest.raises(ConfigError, match=match):
            load_preset(str(path), [override])


def test_a_preset_builds_on_the_preset_its_base_names(tmp_path):
    scratch, small = load_preset("scratch").run, load_preset("small").run
    assert scratch.game == small.game and scratch.policy == small.policy and scratch.curriculum
    assert scratch.ppo.entropy_coef < small.ppo.entropy_coef and scratch.ppo.gamma == small.ppo.gamma
    assert scratch.teacher.kickstart_coef == 0.0 and small.teacher.kickstart_coef > 0
    path = tmp_path / "mine.toml"
    path.write_text('base = "scratch"\n[game]\ntime_cap_minutes = 12.0\n')
    mine = load_preset(str(path)).run
    assert mine.game.time_cap_minutes == 12.0 and mine.game.map_size == small.game.map_size
    assert mine.curriculum == scratch.curriculum and mine.teacher == scratch.teacher
    rung = '[[curriculum]]\nname = "one more"\nmax_steps = 1000\n'
    path.write_text(f'base = "scratch"\n{rung}')
    with pytest.raises(ConfigError, match="curriculum_after_base = true"):
        load_preset(str(path))
    path.write_text(f'base = "scratch"\ncurriculum_after_base = true\n{rung}')
    after = load_preset(str(path)).run.curriculum
    assert after[:-1] == scratch.curriculum and after[-1].name == "one more"
    path.write_text(f'base = "scratch"\ncurriculum_after_base = false\n{rung}')
    assert [s.name for s in load_preset(str(path)).run.curriculum] == ["one more"]
    path.write_text('base = "mine"\n')
    with pytest.raises(ConfigError, match="base must name another preset"):
        load_preset(str(path))


def test_the_fade_preset_lowers_the_imitation_as_the_learner_catches_its_teacher():
    fade, small = load_preset("fade").run, load_preset("small").run
    assert fade.game == small.game and fade.policy == small.policy and fade.train.opponent_teacher > 0
    weights = [fade.stage(i).teacher.kickstart_coef for i in range(len(fade.curriculum) + 1)]
    assert weights == sorted(weights, reverse=True) and weights[0] == small.teacher.kickstart_coef
    assert all(set(stage.promote) == {"teacher"} and stage.max_steps for stage in fade.curriculum)


def test_moba_train_shows_the_stage_and_says_when_one_is_passed(tmp_path, capsys):
    preset = tmp_path / "staged.toml"
    preset.write_text('base = "small"\n[[curriculum]]\nname = "shorter"\npromote = {random = 0.0}\nwindow = 1\n'
                      'game = {time_cap_minutes = 0.1}\n')
    args = ["train", "--preset", str(preset), "--run-dir", str(tmp_path / "run")] + tiny_run_overrides()
    assert main(args + ["--set", "game.time_cap_minutes=0.2", "--set", "train.total_steps=1600"]) == 0
    captured = capsys.readouterr()
    assert "curriculum stage 1: 'shorter' (game.time_cap_minutes=0.1) until 0% won against random" in captured.out
    assert "stage=1/2 shorter random" in captured.err and "stage=2/2 main" in captured.err
    assert "stage 1 'shorter' passed at 960 hero steps" in captured.out
