"""The random-legal agent and the scripted bot over whole games: invariants
that must hold whatever happens, and the scripted bot's strength."""

import numba
import numpy as np

from agents.random_agent import RandomAgent
from agents.scripted import ScriptedAgent
from engine import BatchEnv
from engine import fields as F
from engine.spec import EVENT_INDEX
from league.play import play_games
from moba.presets import load_preset
from replays.format import load_replay
from replays.recorder import Recorder, resimulate

SMALL = load_preset("small").game


def test_random_agent_only_picks_legal_actions_and_state_stays_sane():
    env = BatchEnv(SMALL, num_games=4, seed=3)
    step = env.reset()
    agents = (RandomAgent(1), RandomAgent(2))
    s = env.state
    for _ in range(1500):  # 200 game seconds
        actions = np.concatenate([agents[0].act(env, step, 0), agents[1].act(env, step, 1)], axis=1)
        dead = ~s.ui[:, :10, F.ALIVE].astype(bool)
        pos_before = s.uf[:, :10, :2].copy()
        step = env.step(actions)
        assert step.events[..., EVENT_INDEX["invalid_actions"]].sum() == 0
        alive = s.ui[:, :, F.ALIVE].astype(bool)
        hp, max_hp = s.uf[:, :, F.HP], s.uf[:, :, F.MAX_HP]
        assert np.all(hp[alive] > 0) and np.all(hp[alive] <= max_hp[alive] + 1e-3)
        assert np.all(s.uf[:, :10, F.MANA] <= s.uf[:, :10, F.MAX_MANA] + 1e-3)
        assert np.all(s.hf[:, :, F.GOLD] >= 0)
        # The dead never act: a hero dead before the step and still dead
        # after has not moved (and, being dead, dealt no damage: no events).
        still_dead = dead & ~s.ui[:, :10, F.ALIVE].astype(bool) & ~step.done[:, None]
        assert np.array_equal(s.uf[:, :10, :2][still_dead], pos_before[still_dead])
        assert np.all(step.events[still_dead][:, EVENT_INDEX["last_hits"]] == 0)


def test_scripted_bot_beats_random_play():
    results = play_games(SMALL, ScriptedAgent(), RandomAgent(5), num_games=4, seed=1, batch=4)
    results += play_games(SMALL, RandomAgent(6), ScriptedAgent(), num_games=4, seed=2, batch=4)
    scripted_wins = sum(r.winner == 0 for r in results[:4]) + sum(r.winner == 1 for r in results[4:])
    random_wins = sum(r.winner == 1 for r in results[:4]) + sum(r.winner == 0 for r in results[4:])
    assert random_wins == 0
    assert scripted_wins >= 7, [r.winner for r in results]


def test_scripted_build_follows_what_the_hero_bought():
    """The bot labels positions of heroes it does not control (kickstarting):
    while such a hero does not buy, the suggested item stays the same; once
    it buys, the bot suggests the next item of the build."""
    from agents.scripted import ACT_BUY, BUILDS, HEAD_ITEM, HEAD_TYPE

    env = BatchEnv(SMALL.replace(lineup="mirror"), num_games=1, seed=0)
    step, bot = env.reset(), ScriptedAgent()
    build = BUILDS[env.state.hi[0, 0, F.HERO_ID]]
    noop = np.zeros((1, 10, 5), np.int32)
    for _ in range(3):  # at the fountain with the starting gold; another agent plays noop
        label = bot.act(env, step, 0)[0, 0]
        assert (label[HEAD_TYPE], label[HEAD_ITEM]) == (ACT_BUY, build[0])
        step = env.step(noop)
    actions = noop.copy()
    actions[0, 0] = label  # now the hero buys the suggestion
    step = env.step(actions)
    assert step.events[0, 0, EVENT_INDEX["items_bought"]] == 1
    bot.act(env, step, 0)
    assert bot.build_pos[0, 0] == 1


def test_the_bots_purchases_alone_are_the_purchases_of_its_whole_decision():
    from agents.scripted import ACT_BUY, ACT_NOOP, HEAD_TYPE

    env = BatchEnv(SMALL, num_games=8, seed=3)
    step, players, whole, shopper = env.reset(), ScriptedAgent(), ScriptedAgent(), ScriptedAgent()
    bought = 0
    for _ in range(400):  # the opening purchases, then the build as gold comes
        actions = np.concatenate([players.act(env, step, 0), players.act(env, step, 1)], axis=1)
        for team in (0, 1):
            full, alone = whole.act(env, step, team), shopper.purchases(env, team)
            buys = full[..., HEAD_TYPE] == ACT_BUY
            np.testing.assert_array_equal(alone[buys], full[buys])
            assert (alone[~buys][:, HEAD_TYPE] == ACT_NOOP).all()
            bought += int(buys.sum())
        step = env.step(actions)
    assert bought > 80


def test_play_games_counts_every_started_game_once():
    cfg = SMALL.replace(time_cap_minutes=0.5)
    seen = []
    results = play_games(cfg, RandomAgent(0), RandomAgent(1), num_games=5, seed=0, batch=2,
                         on_result=seen.append)
    assert sorted(r.index for r in results) == [0, 1, 2, 3, 4]
    assert seen == results
    assert all(r.winner == 2 and r.ticks == 900 for r in results)  # 30 s cap: draws


class _Stepped:
    """The scripted bot as any other agent: `play_games` then steps the env
    decision by decision instead of playing the games through compiled."""

    name = "scripted"
    reads_obs = False

    def __init__(self):
        self.bot = ScriptedAgent()

    def act(self, env, step, team):
        return self.bot.act(env, step, team)


def test_two_scripted_bots_play_the_same_games_compiled_as_stepped(tmp_path):
    cfg = SMALL
    stepped = play_games(cfg, _Stepped(), _Stepped(), num_games=6, seed=3, batch=6)
    assert len({r.winner for r in stepped}) > 1 and len({r.ticks for r in stepped}) == 6  # real games
    saved = numba.get_num_threads()
    try:
        for threads in (1, saved):
            numba.set_num_threads(threads)
            seen = []
            compiled = play_games(cfg, ScriptedAgent(), ScriptedAgent(), num_games=6, seed=3, batch=6,
                                  on_result=seen.append)
            assert compiled == stepped and seen == stepped  # same games, reported in the same order
    finally:
        numba.set_num_threads(saved)
    # A recorder's sampled games are stepped and recorded, the rest compiled.
    recorder = Recorder(tmp_path, "small", ("scripted", "scripted"), sample=0.5, seed=2)
    assert play_games(cfg, ScriptedAgent(), ScriptedAgent(), num_games=6, seed=3, batch=6,
                      recorder=recorder) == stepped
    assert 0 < len(recorder.written) < 6
    replay = load_replay(recorder.written[0])
    slot, replayed = replay.header["slot"], resimulate(replay)
    assert (replayed["winner"], replayed["ticks"]) == next((r.winner, r.ticks) for r in stepped if r.index == slot)
    # More games than slots: rounds, every game counted once.
    more = play_games(cfg, ScriptedAgent(), ScriptedAgent(), num_games=5, seed=3, batch=2)
    assert sorted(r.index for r in more) == [0, 1, 2, 3, 4]
    assert sorted(more[:2], key=lambda r: r.index) == sorted(
        play_games(cfg, _Stepped(), _Stepped(), num_games=2, seed=3, batch=2), key=lambda r: r.index)
