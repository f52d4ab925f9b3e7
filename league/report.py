"""What a league says: the ratings table and its plots."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from league.store import LeagueStore

COLUMNS = ("rank", "agent", "kind", "mu", "sigma", "conservative", "games", "win_rate", "step")


def table_rows(store: LeagueStore) -> list[dict]:
    """One row per agent, highest mu first."""
    wins: dict[int, float] = {}
    for radiant, dire, winner in store.results():
        if winner == 2:
            continue
        w = radiant if winner == 0 else dire
        wins[w] = wins.get(w, 0) + 1
    agents = sorted(store.agents(), key=lambda a: -a.mu)
    return [{"rank": i + 1, "agent": a.name, "kind": a.kind, "mu": round(a.mu, 3),
             "sigma": round(a.sigma, 3), "conservative": round(a.conservative, 3), "games": a.games,
             "win_rate": round(wins.get(a.id, 0) / a.games, 4) if a.games else None, "step": a.step}
            for i, a in enumerate(agents)]


def format_table(rows: list[dict], fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(rows, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    width = max([len(r["agent"]) for r in rows] + [5])
    lines = [f"{'rank':>4}  {'agent':<{width}}  {'kind':<8}  {'mu +- sigma':>15}  {'mu-3sigma':>9}  "
             f"{'games':>6}  {'win rate':>8}"]
    for r in rows:
        wr = f"{r['win_rate']:.1%}" if r["win_rate"] is not None else "-"
        lines.append(f"{r['rank']:>4}  {r['agent']:<{width}}  {r['kind']:<8}  "
                     f"{r['mu']:>7.2f} +- {r['sigma']:<5.2f}  {r['conservative']:>9.2f}  {r['games']:>6}  {wr:>8}")
    return "\n".join(lines)


def head_to_head(store: LeagueStore) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(names, wins[i, j] of i over j, games[i, j]) over every played game."""
    agents = store.agents()
    index = {a.id: i for i, a in enumerate(agents)}
    n = len(agents)
    wins, games = np.zeros((n, n)), np.zeros((n, n))
    for radiant, dire, winner in store.results():
        r, d = index[radiant], index[dire]
        games[r, d] += 1
        games[d, r] += 1
        if winner == 0:
            wins[r, d] += 1
        elif winner == 1:
            wins[d, r] += 1
        else:  # a draw is half a win each
            wins[r, d] += 0.5
            wins[d, r] += 0.5
    return [a.name for a in agents], wins, games


def plot(store: LeagueStore, out_dir: str | Path) -> list[Path]:
    """trueskill.png (rating against training step, per run, with the bots as
    lines) and head_to_head.png (win rate of row over column)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    agents = store.agents()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    runs: dict[str, list] = {}
    for a in agents:
        if a.kind == "learned" and a.step is not None:
            runs.setdefault(a.run or "(no run)", []).append(a)
    for run, members in sorted(runs.items()):
        members.sort(key=lambda a: a.step)
        ax.errorbar([a.step for a in members], [a.mu for a in members], yerr=[a.sigma for a in members],
                    marker="o", capsize=2, label=Path(run).name)
    for a in agents:
        if a.kind in ("scripted", "random"):
            ax.axhline(a.mu, ls="--", lw=1, color="grey")
            ax.annotate(a.name, (0, a.mu), xycoords=("axes fraction", "data"), fontsize=8,
                        va="bottom", color="grey")
    ax.set(xlabel="training step (hero decisions trained on)", ylabel="TrueSkill mu (+- sigma)",
           title="TrueSkill over training")
    if runs:
        ax.legend(fontsize=8)
    fig.tight_layout()
    paths = [out_dir / "trueskill.png"]
    fig.savefig(paths[0], dpi=120)
    plt.close(fig)

    names, wins, games = head_to_head(store)
    rate = np.where(games > 0, wins / np.maximum(games, 1), np.nan)
    size = max(4.0, 0.5 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    im = ax.imshow(rate, vmin=0, vmax=1, cmap="RdBu")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    for i in range(len(names)):
        for j in range(len(names)):
            if games[i, j]:
                ax.text(j, i, f"{rate[i, j]:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title("win rate of row against column")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    paths.append(out_dir / "head_to_head.png")
    fig.savefig(paths[1], dpi=120)
    plt.close(fig)
    return paths
