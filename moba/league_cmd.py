"""`moba league ...`: register agents, evaluate them, report ratings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine import ConfigError


def add_parsers(sub: argparse._SubParsersAction, preset_args) -> None:
    p = sub.add_parser("league", help="the league: agents, TrueSkill evaluation, ratings")
    cmds = p.add_subparsers(dest="league", required=True)

    def db_args(q: argparse.ArgumentParser) -> None:
        where = q.add_mutually_exclusive_group()
        where.add_argument("--db", default=None, help="league file (default: league.sqlite here)")
        where.add_argument("--run", default=None, help="use the league of this training run folder")

    q = cmds.add_parser("add", help="register a checkpoint (or snapshot) as a learned agent")
    q.add_argument("name")
    q.add_argument("checkpoint")
    q.add_argument("--step", type=int, default=None, help="training step, for the rating plot")
    db_args(q)

    q = cmds.add_parser("eval", help="play rated games among the agents")
    db_args(q)
    preset_args(q, "small")
    q.add_argument("--games", type=int, default=1000, help="games to play (default 1000)")
    q.add_argument("--batch", type=int, default=64, help="games played at once per pair (default 64)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--round-robin", action="store_true", help="every pair in turn, not matchmaking")
    q.add_argument("--replays", type=float, default=0.01, metavar="RATE",
                   help="share of games kept as replays, in <league>-replays/ next to the league file (default 0.01)")
    q.add_argument("--fixed", nargs="*", default=[], metavar="NAME",
                   help="hold these agents' ratings fixed (reference agents)")

    q = cmds.add_parser("table", help="the ratings table")
    db_args(q)
    fmt = q.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_const", dest="fmt", const="json")
    fmt.add_argument("--csv", action="store_const", dest="fmt", const="csv")

    q = cmds.add_parser("plot", help="TrueSkill against training step and the head-to-head matrix (PNG)")
    db_args(q)
    q.add_argument("--out", default=None, help="folder for the PNG files (default: next to the league file)")


def league_path(args: argparse.Namespace) -> Path:
    if args.run:
        run = Path(args.run)
        if not run.is_dir():
            raise FileNotFoundError(f"run folder {str(run)!r} does not exist")
        return run / "league.sqlite"
    return Path(args.db or "league.sqlite")


def cmd_league(args: argparse.Namespace) -> None:
    from league.store import LeagueStore

    path = league_path(args)
    if args.league != "add" and args.league != "eval" and not path.exists():
        raise FileNotFoundError(f"no league file {str(path)!r}")
    with LeagueStore(path) as store:
        if args.league == "add":
            from agents.policy_agent import load_policy_agent

            load_policy_agent(args.checkpoint)  # refuse a file that holds no policy
            row = store.add_agent(args.name, "learned", checkpoint=str(Path(args.checkpoint).resolve()),
                                  step=args.step)
            print(f"added {row.name} (learned, {row.checkpoint}) to {path}")
        elif args.league == "eval":
            _eval(store, args)
        elif args.league == "table":
            from league.report import format_table, table_rows

            print(format_table(table_rows(store), args.fmt or "text"))
        elif args.league == "plot":
            from league.report import plot

            for p in plot(store, args.out or path.parent):
                print(p)


def _eval(store, args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from league.evaluate import Evaluation, evaluate
    from moba.compile import ensure_compiled
    from moba.presets import load_preset

    if args.games < 1 or args.batch < 1:
        raise ConfigError("--games and --batch must be at least 1")
    preset = load_preset(args.preset, args.overrides)
    for name in args.fixed:
        store.set_fixed(name)
    if not 0 <= args.replays <= 1:
        raise ConfigError(f"--replays must be between 0 and 1, got {args.replays}")
    ensure_compiled()
    ev = Evaluation(games=args.games, batch=args.batch, seed=args.seed, round_robin=args.round_robin,
                    replay_rate=args.replays, replay_dir=str(store.path.parent / f"{store.path.stem}-replays"))
    bar = tqdm(total=args.games, unit="game", file=sys.stderr, dynamic_ncols=True)

    def on_game(result) -> None:
        bar.update(1)
        if bar.n % 16 == 0 or bar.n == args.games:
            best = max(store.agents(), key=lambda a: a.mu)
            bar.set_postfix(leader=f"{best.name} {best.mu:.1f}")

    try:
        evaluate(store, preset.game, preset.name, ev, on_game)
    except KeyboardInterrupt:
        print(f"interrupted after {ev.played} games; the same command picks up the games left pending")
    finally:
        bar.close()
        for name, why in ev.skipped.items():
            print(f"skipped {name}: {why}")
    print(f"played {ev.played} games on '{preset.name}'; the league has {store.played_count()} in all")
