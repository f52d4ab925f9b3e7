"""`moba sweep`: train one run per point of a grid of `--set` values
(`league.sweep`), in this process or in parallel on Ray, then compare them;
`moba sweep report DIR` compares what a sweep has so far.

The report is one table and one plot, at equal step budgets (every trial
trains the same steps): win rates against the bots with 95% intervals, the
trials' final agents rated in one shared league (TrueSkill, with the bots
as anchors), what their team did per game, and what each reward term paid
it."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from engine import ConfigError

BOTS = ("random", "scripted", "teacher")  # `league.sweep.OPPONENTS`
TERMS_SHOWN = 6  # reward terms in the table: the largest by magnitude over the trials


def add_parser(sub: argparse._SubParsersAction, preset_args) -> None:
    p = sub.add_parser("sweep", help="train a run per point of a grid of --set values and compare them "
                                     "(`moba sweep report DIR` for the comparison so far)")
    preset_args(p, "small")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a setting and its values; several --grid make a full grid (any `--set` key)")
    p.add_argument("--trial", action="append", default=[], metavar="'KEY=V KEY=V'",
                   help="a point of its own (repeatable; '' is the preset as it is); each is crossed with "
                        "the --grid, such as train.seed=0,1,2")
    p.add_argument("--out", default=None, help="the sweep's folder (default sweeps/<preset>-<time>); "
                                               "the same command on it resumes the sweep")
    p.add_argument("--from", dest="fork", metavar="CHECKPOINT", default=None,
                   help="each trial goes on from this checkpoint (or a run folder's latest), as `moba train "
                        "--from` does: settings tried from one starting point (on a cluster, a path every "
                        "node reads)")
    p.add_argument("--games", type=int, default=100,
                   help="games of each trial's agent against each bot, half per side (default 100)")
    p.add_argument("--league-games", type=int, default=200,
                   help="rated games per trial in the shared league of the trials' agents and the bots "
                        "(default 200)")
    p.add_argument("--parallel", type=int, default=1, metavar="N",
                   help="trials at once as Ray tasks, a CPU each (needs moba[ray]); default 1: here, in turn")
    p.add_argument("--ray-address", default=None, metavar="auto|HOST:PORT",
                   help="join this Ray cluster (default: start one on this machine's cores)")
    p.add_argument("report", nargs="*", metavar="report DIR",
                   help="`report DIR`: print and plot the comparison of the sweep in DIR")


def cmd_sweep(args: argparse.Namespace) -> None:
    if args.report:
        if len(args.report) != 2 or args.report[0] != "report":
            raise ConfigError("write `moba sweep report DIR`, or `moba sweep --grid KEY=V1,V2 ...` to run one")
        folder = Path(args.report[1])
        if not (folder / "sweep.json").exists():
            raise FileNotFoundError(f"{str(folder)!r} holds no sweep (no sweep.json)")
        report(folder)
        return
    run(args)


def _trial_configs(args: argparse.Namespace) -> tuple[Any, dict[str, list[str]], list[tuple[Any, Any]], str | None]:
    """The common preset, the grid's axes, each trial with its resolved
    preset, and the checkpoint every trial forks from (`--from`, one file
    even if its run goes on meanwhile); every config is checked before
    anything starts, so a bad key or value is refused at once."""
    from league.sweep import grid, parse_axes, parse_points
    from moba.presets import load_preset

    if not args.grid and not args.trial:
        raise ConfigError("a sweep needs a --grid KEY=V1,V2,... or --trial points")
    if args.games < 2 or args.league_games < 0 or args.parallel < 1:
        raise ConfigError("--games must be at least 2, --league-games at least 0, --parallel at least 1")
    axes = parse_axes(args.grid)
    common = load_preset(args.preset, args.overrides)
    points = parse_points(args.trial)
    trials = [(t, load_preset(args.preset, args.overrides + [f"{k}={v}" for k, v in t.settings]))
              for t in grid(axes, points)]
    if not args.fork:
        return common, axes, trials, None
    from agents import checkpoint
    from league.selfplay import fork_source, network_meta

    source, meta, _ = fork_source(args.fork)
    for _, preset in trials:
        checkpoint.check_network(source, meta, network_meta(preset.run), ignore=("teacher",))
    return common, axes, trials, str(source.resolve())


def run(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from league.sweep import PLAN, plan
    from moba.compile import ensure_compiled

    common, axes, trials, source = _trial_configs(args)
    if args.parallel > 1:
        import league.workers  # noqa: F401  (without Ray: a one-line error naming the extra)
    folder = Path(args.out or f"sweeps/{common.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    spec = plan(folder / PLAN, {"preset": common.name, "set": list(args.overrides), "grid": axes,
                                "points": args.trial, "games": args.games, "league_games": args.league_games,
                                "trials": [t.name for t, _ in trials], "from": source})
    ensure_compiled()
    steps = common.run.train.total_steps
    print(f"sweep {folder}: {len(trials)} trials of {steps:,} hero steps on '{common.name}', "
          f"{'in turn here' if args.parallel == 1 else f'{args.parallel} at once on Ray'}")
    jobs = [(str(folder / "trials" / t.name), _trial_run_config(p.run), p.name, spec["games"], p.run.train.seed,
             source) for t, p in trials]
    bar = tqdm(total=len(jobs), unit="trial", file=sys.stderr, dynamic_ncols=True, desc="trials")
    try:
        _run_trials(jobs, args, bar)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the trial under way saved a checkpoint
        bar.close()
        print(f"sweep stopped; the same command resumes it (trials done: {bar.n} of {len(jobs)})")
        return
    bar.close()
    report(folder)


def _run_trials(jobs: list[tuple], args: argparse.Namespace, bar: Any) -> None:
    from league.sweep import run_trial

    if args.parallel == 1:
        for job in jobs:
            name = Path(job[0]).name

            def progress(update: int, metrics: dict[str, float], name: str = name) -> None:
                bar.set_postfix_str(f"{name}: update {update}, {metrics['perf/hero_steps_per_s']:.0f} steps/s")

            bar.set_postfix_str(name)
            run_trial(*job, on_update=progress)
            bar.update(1)
    else:
        import ray

        from league.workers import connect, worker_env

        connect(args.ray_address)
        task = ray.remote(num_cpus=1, max_retries=2, runtime_env={"env_vars": worker_env()})(run_trial)
        pending = {task.remote(*job): job for job in jobs}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            ray.get(done[0])  # a trial that failed on every try stops the sweep with its error
            del pending[done[0]]
            bar.update(1)


def _trial_run_config(run: Any) -> dict[str, Any]:
    """A trial trains in its own process with no workers of its own, and is
    measured afterwards by `league.sweep.measure`, not by the run's summary."""
    return dataclasses.replace(run, train=run.train.replace(workers=0)).to_dict()


def report(folder: Path) -> dict[str, Any]:
    """Print the comparison table of the sweep in `folder` and plot it;
    the shared league's games are played first (resumed if interrupted)."""
    from league.sweep import RESULT

    spec = json.loads((folder / "sweep.json").read_text())
    results = {}
    for name in spec["trials"]:
        path = folder / "trials" / name / RESULT
        if path.exists():
            results[name] = json.loads(path.read_text())
    missing = [n for n in spec["trials"] if n not in results]
    if not results:
        print(f"no trial of {folder} is complete yet; rerun the sweep's command to go on")
        return {}
    ratings = _shared_league(folder, spec, results)
    rows = [_row(name, r, ratings.get(name)) for name, r in results.items()]
    terms = sorted({k for r in rows for k in r["terms"]}, key=lambda k: -max(abs(r["terms"].get(k, 0)) for r in rows))
    terms = terms[:TERMS_SHOWN]
    _print_table(rows, terms, spec)
    if missing:
        print(f"not complete yet: {', '.join(missing)} (rerun the sweep's command to go on)")
    data = {"sweep": spec, "trials": rows}
    (folder / "report.json").write_text(json.dumps(data, indent=1))
    plot = _plot(folder, rows, terms)
    print(f"report: {folder / 'report.json'}, plot: {plot}")
    return data


def _shared_league(folder: Path, spec: dict[str, Any], results: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Every complete trial's final agent in `folder/league.sqlite` beside
    the bots, rated by a round robin of `league_games` games: (mu, sigma)."""
    if not spec["league_games"] or len(results) < 1:
        return {}
    from league.evaluate import Evaluation, evaluate
    from league.store import LeagueStore
    from league.sweep import write_json
    from moba.presets import load_preset

    preset = load_preset(spec["preset"], spec["set"])
    base = load_preset(spec["preset"]).game.to_dict()
    settings = {k: v for k, v in preset.game.to_dict().items() if base[k] != v}
    done = folder / "league.json"  # the trials the league has rated: a rerun rates none twice
    rated = json.loads(done.read_text()) if done.exists() else []
    with LeagueStore(folder / "league.sqlite") as store:
        if rated != sorted(results):
            for name, r in results.items():
                store.add_agent(name, "learned", checkpoint=r["checkpoint"], step=r["hero_steps"], exist_ok=True)
            games = spec["league_games"] * len(results)
            pairs = (len(results) + 2) * (len(results) + 1) // 2  # the bots are in the league too
            # Blocks small enough that the round robin reaches every pair.
            ev = Evaluation(games=games, batch=max(2, min(64, games // pairs)), seed=len(results),
                            round_robin=True, settings=settings)
            print(f"shared league {folder / 'league.sqlite'}: {ev.games} round-robin games among "
                  f"{len(results)} trials' agents and the bots", file=sys.stderr)
            evaluate(store, preset.game, preset.name, ev)
            write_json(done, sorted(results))
        return {a.name: (a.mu, a.sigma) for a in store.agents()}


def _row(name: str, result: dict[str, Any], rating: tuple[float, float] | None) -> dict[str, Any]:
    from moba.bench import wilson

    row: dict[str, Any] = {"trial": name, "hero_steps": result["hero_steps"], "rating": rating}
    for bot, r in result["against"].items():
        lo, hi = wilson(r["win"], r["games"])
        row[bot] = {"win": r["win"] / r["games"], "interval": (lo, hi), "games": r["games"]}
    per_game = result["against"]["scripted"]["per_game"]
    row["behaviour"] = {k: per_game.get(k, 0.0) for k in ("last_hits", "denies", "kills", "deaths",
                                                            "tower_damage", "minutes")}
    row["terms"] = {k.removeprefix("reward/"): v for k, v in per_game.items() if k.startswith("reward/")}
    row["events"] = {k.removeprefix("events/"): v for k, v in per_game.items() if k.startswith("events/")}
    return row


def _print_table(rows: list[dict[str, Any]], terms: list[str], spec: dict[str, Any]) -> None:
    width = max(len(r["trial"]) for r in rows)
    print(f"\nsweep of '{spec['preset']}' ({', '.join(spec['set']) or 'preset settings'}), every trial at "
          f"{rows[0]['hero_steps']:,} hero steps; against the bots {spec['games']} games each, half per side")
    head = (f"{'trial':<{width}}  {'vs random':>17}  {'vs scripted':>17}  {'vs teacher':>17}  {'TrueSkill':>11}  "
            f"{'LH':>5} {'DN':>4} {'K':>4} {'D':>4} {'tower':>5} {'min':>4}  per game vs scripted")
    print(head)
    for r in rows:
        cells = [f"{r[b]['win']:4.0%} ({r[b]['interval'][0]:3.0%}-{r[b]['interval'][1]:3.0%})"
                 for b in BOTS]
        rating = f"{r['rating'][0]:5.1f}+-{r['rating'][1]:3.1f}" if r["rating"] else "-"
        b = r["behaviour"]
        wins = "  ".join(f"{c:>17}" for c in cells)
        print(f"{r['trial']:<{width}}  {wins}  {rating:>11}  {b['last_hits']:5.1f} "
              f"{b['denies']:4.1f} {b['kills']:4.1f} {b['deaths']:4.1f} {b['tower_damage']:5.2f} {b['minutes']:4.1f}")
    print(f"\nwhat each reward term paid a hero per game against the scripted bot (largest {len(terms)}):")
    print(f"{'trial':<{width}}  " + " ".join(f"{t[:13]:>13}" for t in terms))
    for r in rows:
        print(f"{r['trial']:<{width}}  " + " ".join(f"{r['terms'].get(t, 0.0):13.3f}" for t in terms))
    first = rows[0]
    for r in rows[1:]:
        diffs = [f"vs {bot} {100 * (r[bot]['win'] - first[bot]['win']):+.0f} points" for bot in BOTS]
        if r["rating"] and first["rating"]:
            diffs.append(f"TrueSkill {r['rating'][0] - first['rating'][0]:+.1f}")
        diffs += [f"{k} {r['behaviour'][k] - first['behaviour'][k]:+.2f}" for k in ("last_hits", "deaths", "minutes")]
        paid = {t: r["terms"].get(t, 0.0) - first["terms"].get(t, 0.0) for t in set(r["terms"]) | set(first["terms"])}
        diffs += [f"{t} paid {d:+.3f}" for t, d in sorted(paid.items(), key=lambda kv: -abs(kv[1]))[:2]]
        print(f"{r['trial']} against {first['trial']}: " + ", ".join(diffs))


def _plot(folder: Path, rows: list[dict[str, Any]], terms: list[str]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [r["trial"] for r in rows]
    x = np.arange(len(rows))
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    ax = axes[0]
    for k, bot in enumerate(BOTS):
        win = np.array([r[bot]["win"] for r in rows])
        lo, hi = (np.array([r[bot]["interval"][k] for r in rows]) for k in (0, 1))
        err = np.clip([win - lo, hi - win], 0.0, None)  # a Wilson bound can pass the rate by a rounding
        ax.bar(x + (k - 1) * 0.27, win, 0.27, yerr=err, capsize=3, label=f"vs {bot}")
    ax.set(ylim=(0, 1), ylabel="win rate (95% interval)", title="against the bots")
    ax.legend()
    ax = axes[1]
    rated = [r["rating"] or (0.0, 0.0) for r in rows]
    ax.bar(x, [m for m, _ in rated], yerr=[3 * s for _, s in rated], capsize=3)
    ax.set(ylabel="TrueSkill mu (+-3 sigma)", title="shared league")
    ax = axes[2]
    keys = ("last_hits", "denies", "kills", "deaths", "tower_damage")
    for k, key in enumerate(keys):
        ax.bar(x + (k - 2) * 0.16, [r["behaviour"][key] for r in rows], 0.16, label=key)
    ax.set(title="per game vs scripted (team)")
    ax.legend(fontsize=7)
    ax = axes[3]
    for k, term in enumerate(terms):
        ax.bar(x + (k - len(terms) / 2 + 0.5) * 0.8 / max(len(terms), 1), [r["terms"].get(term, 0.0) for r in rows],
               0.8 / max(len(terms), 1), label=term)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set(title="reward paid per hero per game")
    ax.legend(fontsize=7)
    for ax in axes:
        ax.set_xticks(x, names, rotation=20, ha="right", fontsize=7)
    fig.tight_layout()
    path = folder / "sweep.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
