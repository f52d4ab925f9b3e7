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
    q.add_argument("--workers", type=int, default=0, metavar="N",
                   help="play the games on N Ray workers, N blocks at once (needs moba[ray]); default 0: here")
    q.add_argument("--ray-address", default=None, metavar="auto|HOST:PORT",
                   help="join this Ray cluster (default: start one on this machine's cores)")
    q.add_argument("--fixed", nargs="*", default=[], metavar="NAME",
                   help="hold these agents' ratings fixed in this evaluation's games (reference agents)")

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
    # Everything a command can refuse is checked before the league file is opened (or created).
    if args.league == "add":
        from agents.policy_agent import load_policy_agent

        load_policy_agent(args.checkpoint)  # refuse a file that holds no policy
    elif args.league == "eval":
        ev, preset = _evaluation(args, path)
    with LeagueStore(path) as store:
        if args.league == "add":
            row = store.add_agent(args.name, "learned", checkpoint=str(Path(args.checkpoint).resolve()),
                                  step=args.step)
            print(f"added {row.name} (learned, {row.checkpoint}) to {path}")
        elif args.league == "eval":
            _eval(store, ev, preset, args)
        elif args.league == "table":
            from league.report import format_table, table_rows

            print(format_table(table_rows(store), args.fmt or "text"))
        elif args.league == "plot":
            from league.report import plot

            for p in plot(store, args.out or path.parent):
                print(p)


def _evaluation(args: argparse.Namespace, path: Path):
    from league.evaluate import Evaluation
    from league.store import LeagueError, LeagueStore
    from moba.presets import load_preset

    if args.games < 1 or args.batch < 1 or args.workers < 0:
        raise ConfigError("--games and --batch must be at least 1, --workers at least 0")
    if args.workers:
        import league.workers  # noqa: F401  (without Ray: a one-line error naming the extra)
    if not 0 <= args.replays <= 1:
        raise ConfigError(f"--replays must be between 0 and 1, got {args.replays}")
    preset = load_preset(args.preset, args.overrides)
    base = load_preset(args.preset).game.to_dict()
    settings = {k: v for k, v in preset.game.to_dict().items() if base[k] != v}
    if args.fixed and path.exists():
        with LeagueStore(path) as store:
            names = {a.name for a in store.agents()}
    else:
        names = {"random", "scripted"}  # what a new league holds
    unknown = [name for name in args.fixed if name not in names]
    if unknown:
        raise LeagueError(f"--fixed names no agent of the league {str(path)!r}: {', '.join(unknown)}")
    ev = Evaluation(games=args.games, batch=args.batch, seed=args.seed, round_robin=args.round_robin,
                    replay_rate=args.replays, replay_dir=str(path.parent / f"{path.stem}-replays"),
                    settings=settings, fixed=frozenset(args.fixed))
    return ev, preset


def _eval(store, ev, preset, args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from league.evaluate import evaluate
    from moba.compile import ensure_compiled

    store.rules(preset.name, preset.game.to_dict(), ev.settings)  # refused before anything is shown
    ensure_compiled()  # before any worker starts: they load the kernels from this machine's cache
    workers = None
    if args.workers:
        from league.workers import EvalWorkers, connect

        connect(args.ray_address)
        workers = EvalWorkers(preset.game, preset.name, args.workers)
    bar = tqdm(total=ev.games, unit="game", file=sys.stderr, dynamic_ncols=True)

    def on_game(result) -> None:
        if bar.n == 0 and ev.recorded:
            bar.update(ev.recorded)  # a rerun: the games recorded before it
        bar.update(1)
        if bar.n % 16 == 0 or bar.n == ev.games:
            best = max(store.agents(), key=lambda a: a.mu)
            bar.set_postfix(leader=f"{best.name} {best.mu:.1f}")

    try:
        evaluate(store, preset.game, preset.name, ev, on_game, workers)
    except KeyboardInterrupt:
        print(f"interrupted after {ev.recorded + ev.played} of {ev.games} games; the same command plays the rest")
    finally:
        bar.close()
        for name, why in ev.skipped.items():
            print(f"skipped {name}: {why}")
    resumed = f" ({ev.recorded} of them by an earlier run of this command)" if ev.recorded else ""
    print(f"{ev.recorded + ev.played} of {ev.games} games played on '{preset.name}'{resumed}; "
          f"the league has {store.played_count()} in all")
