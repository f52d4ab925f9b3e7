"""The `moba` command."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from engine import ConfigError


def _preset_args(p: argparse.ArgumentParser, default: str) -> None:
    from moba.presets import preset_names

    p.add_argument("--preset", default=default,
                   help=f"preset name ({', '.join(preset_names())}) or a TOML file (default: {default})")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a preset value, e.g. --set game.time_cap_minutes=10, or a curriculum "
                        "stage's, by number or name: curriculum.2.max_steps=5_000_000 (repeatable; "
                        "`moba config` lists every key with its meaning)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moba", description="A Dota-like 5v5 MOBA for game-AI research.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("match", help="play games between two bots and print the results")
    _preset_args(p, "small")
    bots = "scripted, random, a checkpoint file, or an agent of the league --db"
    p.add_argument("--radiant", default="scripted", help=f"Radiant's bot: {bots} (default scripted)")
    p.add_argument("--dire", default="scripted", help=f"Dire's bot: {bots} (default scripted)")
    p.add_argument("--games", type=int, default=16, help="games to play (default 16)")
    p.add_argument("--batch", type=int, default=16, help="games simulated at once (default 16)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--from", dest="branch", metavar="REPLAY", default=None,
                   help="play on from a moment of this replay (--at): what-if games from a decisive moment")
    p.add_argument("--at", metavar="MM:SS", default=None, help="the moment of the game clock to play on from")
    p.add_argument("--db", default="league.sqlite", help="league whose agents --radiant and --dire may name")

    p = sub.add_parser("train", help="self-play PPO training (the main job)")
    _preset_args(p, "small")
    p.add_argument("--run-dir", default=None,
                   help="folder of the run (default: runs/<preset>-<date>-<time>)")
    p.add_argument("--resume", metavar="RUN", default=None,
                   help="continue the run in folder RUN from its latest checkpoint")
    p.add_argument("--from", dest="fork", metavar="CHECKPOINT", default=None,
                   help="start a new run (this preset and --set) where this checkpoint, or a run folder's "
                        "latest, left off: network, optimiser, hero steps, curriculum stage, opponent pool")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="play the rollouts on N Ray workers (train.workers; needs moba[ray]); default 0: "
                        "in this process")
    p.add_argument("--ray-address", default=None, metavar="auto|HOST:PORT",
                   help="join this Ray cluster (default: start one on this machine's cores)")

    sub.add_parser("compile", help="compile the engine's kernels now, into the cache folder (the first "
                                   "command that plays games does it otherwise)")

    p = sub.add_parser("watch", help="watch a replay in a pygame window")
    p.add_argument("replay")
    p.add_argument("--view", default="all", choices=("all", "radiant", "dire"), help="whose fog of war")
    p.add_argument("--speed", type=float, default=1.0, help="0.25 to 16 times real time (default 1)")
    p.add_argument("--critic", default=None, metavar="CHECKPOINT",
                   help="draw this network's win probability, scoring the replay afresh from both sides "
                        "(for a replay of bots that make none)")

    p = sub.add_parser("render", help="render a replay headless to a GIF, an MP4 or a folder of PNGs")
    p.add_argument("replay")
    p.add_argument("-o", "--out", required=True, help="game.gif, game.mp4 (needs moba[video]) or a folder")
    p.add_argument("--view", default="all", choices=("all", "radiant", "dire"), help="whose fog of war")
    p.add_argument("--speed", type=float, default=4.0, help="times real time (default 4)")
    p.add_argument("--fps", type=int, default=15, help="frames per second of the output (default 15)")
    p.add_argument("--start", type=float, default=0.0, help="game second to start at")
    p.add_argument("--seconds", type=float, default=None, help="game seconds to render (default: to the end)")
    p.add_argument("--follow", type=int, default=-1, help="hero slot 0-9 to follow, zoomed in")
    p.add_argument("--size", type=int, default=720, help="map side in pixels (default 720)")

    p = sub.add_parser("play", help="play a hero with or against the bots in real time (or --spectate)")
    _preset_args(p, "small")
    p.add_argument("--hero", default=None, help="your hero (default: a random one); see moba config")
    p.add_argument("--side", default="radiant", choices=("radiant", "dire"))
    p.add_argument("--mode", default="coop", choices=("coop", "versus"),
                   help="coop: you and four --bot against five scripted; versus: you and four scripted "
                        "against five --bot (default coop)")
    p.add_argument("--bot", default="scripted",
                   help="scripted, random, a checkpoint file, or an agent of the league --db")
    p.add_argument("--spectate", action="store_true", help="no person: --bot (Radiant) against --vs (Dire)")
    p.add_argument("--vs", default="scripted", help="Dire's bot when spectating")
    p.add_argument("--db", default="league.sqlite", help="league that records your games")
    p.add_argument("--name", default="human", help="your name in the league")
    p.add_argument("--rated", action="store_true", help="let the game move the bots' ratings")
    p.add_argument("--replays", default="played", help="folder for the replay of the game (default played/)")
    p.add_argument("--from", dest="branch", metavar="REPLAY", default=None,
                   help="go on live from a moment of this replay (--at), taking over --hero")
    p.add_argument("--at", metavar="MM:SS", default=None, help="the moment of the game clock to go on from")
    p.add_argument("--seed", type=int, default=0)

    from moba.league_cmd import add_parsers
    from moba.sweep import add_parser as add_sweep_parser

    add_parsers(sub, _preset_args)
    add_sweep_parser(sub, _preset_args)

    p = sub.add_parser("heroes", help="print the hero roster with every ability's numbers, and the items")
    p.add_argument("--hero", default=None, help="only this hero")
    p.add_argument("--items", action="store_true", help="only the item shop")

    p = sub.add_parser("config", help="print a preset's resolved settings with their meaning, as TOML")
    _preset_args(p, "standard")

    p = sub.add_parser("bench", help="measure performance and print the figures")
    bench = p.add_subparsers(dest="bench", required=True)
    b = bench.add_parser("engine", help="game ticks/s and hero decisions/s, scripted bots, whole games")
    _preset_args(b, "standard")
    b.add_argument("--batch", type=int, nargs="+", default=[1, 8, 32],
                   help="batch sizes to measure (default 1 8 32)")
    b.add_argument("--threads", type=int, nargs="+", default=None,
                   help="thread counts (default: 1 and all cores)")
    b.add_argument("--repeats", type=int, default=3, help="runs per setting; the median is shown")
    b.add_argument("--max-minutes", type=float, default=None,
                   help="cap each game at this many game minutes (default: the preset's cap)")
    b = bench.add_parser("train", help="self-play hero-steps/s and the env / inference / learning split")
    _preset_args(b, "small")
    b.add_argument("--games", type=int, nargs="+", default=[64],
                   help="games at once to measure (default 64)")
    b.add_argument("--workers", type=int, nargs="+", default=[0],
                   help="rollout workers to measure (default 0: in process; more need moba[ray])")
    b.add_argument("--ray-address", default=None, metavar="auto|HOST:PORT", help="join this Ray cluster")
    b.add_argument("--updates", type=int, default=10,
                   help="updates timed per setting, after the first snapshot joins (default 10)")
    b = bench.add_parser("learn", help="win rate against the bots at marks of learner hero steps (or minutes)")
    _preset_args(b, "small")
    marks = b.add_mutually_exclusive_group()
    marks.add_argument("--steps", type=float, nargs="+", default=None, metavar="HERO_STEPS",
                       help="learner hero steps at which to evaluate, such as 1e6 1e7; the run lasts until "
                            "the last and its schedules run over those steps, so the result does not depend "
                            "on the machine's speed (the default: 1e6 2e6 4e6)")
    marks.add_argument("--minutes", type=float, nargs="+", default=None,
                       help="training wall-clock minutes at which to evaluate instead; the run lasts until "
                            "the last, and its schedules run over that time")
    b.add_argument("--games", type=int, default=200, help="games against each bot per point (default 200)")
    b.add_argument("--greedy", action="store_true",
                   help="also play the scripted bot greedily (each head's most likely choice)")
    b.add_argument("--out", default="bench-learn", help="folder for the run, curve and plot")
    b.add_argument("--resume", action="store_true",
                   help="go on with the bench in --out from its run's latest checkpoint (the same command "
                        "otherwise): the marks played are kept, the rest are played")
    b.add_argument("--from", dest="fork", metavar="CHECKPOINT", default=None,
                   help="train on from this checkpoint (or a run folder's latest) under this preset and --set, "
                        "as `moba train --from` does: the fork's marks count the hero steps before it")
    b = bench.add_parser("league", help="evaluation games/s, scripted and learned agents, and a 15,000-game projection")
    _preset_args(b, "small")
    b.add_argument("--games", type=int, default=64, help="whole games per pairing and run (default 64)")
    b.add_argument("--batch", type=int, default=64, help="games at once (default 64)")
    b.add_argument("--repeats", type=int, default=1, help="runs per pairing; the median is shown")
    b.add_argument("--pairings", nargs="+", choices=["scripted", "stepped", "learned"],
                   default=["scripted", "stepped", "learned"],
                   help="which to measure (default all): scripted bots compiled, the same stepped, learned agents")
    b.add_argument("--checkpoints", nargs=2, default=None, metavar=("RADIANT", "DIRE"),
                   help="the learned agents (default: two untrained networks, whose games all last to the cap)")
    b.add_argument("--workers", type=int, nargs="+", default=[0],
                   help="also play the pairings on this many Ray workers, as `moba league eval --workers` does "
                        "(default 0: in process only; more need moba[ray])")
    b.add_argument("--ray-address", default=None, metavar="auto|HOST:PORT", help="join this Ray cluster")
    b = bench.add_parser("balance", help="each hero's win rate over scripted games with random lineups")
    _preset_args(b, "small")
    b.add_argument("--games", type=int, default=1000, help="games to play (default 1000)")
    b.add_argument("--batch", type=int, default=64, help="games at once (default 64)")
    b.add_argument("--seed", type=int, default=0)
    b = bench.add_parser("calibration", help="the win-probability head's Brier score and reliability plot, "
                                             "against a gold-and-buildings baseline")
    _preset_args(b, "small")
    b.add_argument("--checkpoint", required=True, help="a network with the win-probability head")
    b.add_argument("--vs", default="scripted", help="the bot it plays (default scripted)")
    b.add_argument("--games", type=int, default=1000, help="games, half on each side (default 1000)")
    b.add_argument("--batch", type=int, default=64, help="games at once (default 64)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--out", default="bench-calibration", help="folder for the figures and plot")
    b = bench.add_parser("play", help="real-time play: bot decision latency and frame time")
    _preset_args(b, "small")
    b.add_argument("--bot", default="learned", help="learned (an untrained network), scripted, or a checkpoint")
    b.add_argument("--frames", type=int, default=600, help="frames to time (default 600: 20 s of play)")
    b.add_argument("--window", action="store_true",
                   help="also the frame rate of a real window, display included (needs X; under Xvfb: "
                        "xvfb-run -s '-screen 0 1920x1080x24' moba bench play --window)")
    b.add_argument("--out", default="/tmp/moba-bench-play", help="folder for the game's replay")
    return parser


def cmd_match(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from engine import BatchEnv
    from league.play import play_from, play_games, summarize
    from moba.bench import wilson
    from moba.compile import ensure_compiled
    from moba.play import make_bot
    from moba.presets import load_preset

    if args.games < 1 or args.batch < 1:
        raise ConfigError("--games and --batch must be at least 1")
    if (args.branch is None) != (args.at is None):
        raise ConfigError("--from REPLAY and --at MM:SS go together")
    if args.branch is not None and args.overrides:
        raise ConfigError("--set does not apply with --from: the game goes on under the replay's rules")
    ensure_compiled()
    names = {0: "Radiant", 1: "Dire", 2: "draw"}
    if args.branch is not None:
        from replays import load_replay
        from replays.branch import branch, parse_clock
        from replays.format import clock, result_text

        replay = load_replay(args.branch)
        point = branch(replay, parse_clock(args.at))
        config, where = point.config, f"{args.branch} at {clock(point.tick)}"
    else:
        preset = load_preset(args.preset, args.overrides)
        config, where = preset.game, f"'{preset.name}'"
    probe = BatchEnv(config, num_games=1)
    radiant = make_bot(args.radiant, probe, args.seed, args.db)
    dire = make_bot(args.dire, probe, args.seed + 1, args.db)
    print(f"{args.radiant} (Radiant) vs {args.dire} (Dire), {args.games} games from {where}, seed {args.seed}")
    bar = tqdm(total=args.games, unit="game", file=sys.stderr)
    if args.branch is not None:
        results = play_from(config, point.state, radiant, dire, args.games, seed=args.seed, batch=args.batch,
                            on_result=lambda r: bar.update(1))
    else:
        results = play_games(config, radiant, dire, args.games, seed=args.seed, batch=args.batch,
                             on_result=lambda r: bar.update(1))
    bar.close()
    for r in sorted(results, key=lambda r: r.index):
        print(f"game {r.index:4d}: {names[r.winner]:>7} in {r.minutes:5.1f} min, "
              f"kills {r.radiant_kills}-{r.dire_kills}")
    s = summarize(results)
    n = len(results)
    for side, key in (("Radiant", "radiant_win_rate"), ("Dire", "dire_win_rate")):
        lo, hi = wilson(s[key] * n, n)
        print(f"{side} won {round(s[key] * n)} of {n} ({s[key]:.0%}, 95% interval {lo:.0%}-{hi:.0%})")
    print(f"draws {s['draw_rate']:.0%}; mean length {s['mean_minutes']:.1f} min")
    if args.branch is not None and n > 1 and len({(r.winner, r.ticks, r.radiant_kills, r.dire_kills)
                                                    for r in results}) == 1:
        print("every continuation played out alike: from this moment these bots leave nothing to chance "
              "(scripted bots choose alike every time; a network samples)")
    if args.branch is not None:
        print(f"in the recording: {result_text(replay.outcome)}")


def cmd_config(args: argparse.Namespace) -> None:
    import tomli_w

    from moba.presets import load_preset

    preset = load_preset(args.preset, args.overrides)
    print(f"# preset '{preset.name}', as resolved")
    for name, kind in preset.run.SECTIONS.items():
        values = getattr(preset.run, name).to_dict()
        print(f"\n[{name}]")
        helps = {key: text for key, _, text in kind.help()} if hasattr(kind, "help") else {}
        for key, value in values.items():
            line = tomli_w.dumps({key: value}).strip()
            print(f"{line:<28}" + (f"  # {helps[key]}" if key in helps else ""))
    if preset.run.curriculum:
        print("\n# stages played before the settings above, each until its promote win rates or max_steps")
        print(tomli_w.dumps({"curriculum": [stage.to_dict() for stage in preset.run.curriculum]}).rstrip())


COMMANDS = {
    "match": ("moba.cli", "cmd_match"),
    "sweep": ("moba.sweep", "cmd_sweep"),
    "config": ("moba.cli", "cmd_config"),
    "heroes": ("moba.heroes", "cmd_heroes"),
    "train": ("moba.train", "cmd_train"),
    "compile": ("moba.compile", "cmd_compile"),
    "play": ("moba.play", "cmd_play"),
    "watch": ("moba.watch", "cmd_watch"),
    "render": ("moba.watch", "cmd_render"),
    "league": ("moba.league_cmd", "cmd_league"),
    "bench": ("moba.bench", "run_bench"),
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module, name = COMMANDS[args.command]
    try:
        # Imported on use: `moba config` should not wait for JAX or pygame.
        getattr(importlib.import_module(module), name)(args)
    except (ConfigError, ValueError, FileNotFoundError) as e:
        print(f"moba: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as Python's docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
