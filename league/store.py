"""The league's record: one SQLite file of agents, games and ratings.

WAL mode and a busy timeout let a training run register snapshots while an
evaluation in another process records games; every write is one
transaction. `PRAGMA application_id` marks the file as a moba league and
`PRAGMA user_version` is the schema version, upgraded by `MIGRATIONS`.

A game is known by its block and number: a block is one pairing's games
under one seed, and game `n` of it starts from the same position whatever
slot, batch or process plays it. An evaluation (one `moba league eval`
command) is claimed by the process playing it, with a lease renewed as its
games are recorded; a rerun of the same command adopts it, with its blocks,
once the claimant is gone (its process dead on this machine, or its lease
run out), and plays what is left of what was asked. Every game records the
rules it was played under (the resolved game config), and evaluation under
rules other than the league's is refused.

Ratings are TrueSkill with OpenAI Five's settings (sigma 25/3, beta sigma/2,
tau 0, draw probability 0.02). The random agent is the anchor: it sits at
mu 0 and is never moved, so every other rating reads as skill above random.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import trueskill

APPLICATION_ID = 0x4D4F4241  # "MOBA"
AGENT_KINDS = ("learned", "scripted", "random", "human")
BUILTIN = (("random", "random"), ("scripted", "scripted"))
SIGMA = 25.0 / 3.0
MU = 25.0
ANCHOR = "random"
LEASE = 600.0  # seconds an evaluation stays claimed without a game recorded

MIGRATIONS = (
    # 1: agents, games, rating history
    """
    CREATE TABLE agents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('learned', 'scripted', 'random', 'human')),
        checkpoint TEXT,
        run TEXT,
        step INTEGER,
        parent INTEGER REFERENCES agents(id),
        created REAL NOT NULL,
        mu REAL NOT NULL,
        sigma REAL NOT NULL,
        games INTEGER NOT NULL DEFAULT 0,
        fixed INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE games (
        id INTEGER PRIMARY KEY,
        radiant INTEGER NOT NULL REFERENCES agents(id),
        dire INTEGER NOT NULL REFERENCES agents(id),
        preset TEXT NOT NULL,
        seed INTEGER NOT NULL,
        winner INTEGER CHECK (winner IN (0, 1, 2)),
        ticks INTEGER,
        replay TEXT,
        scheduled REAL NOT NULL,
        played REAL,
        rated INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX games_pending ON games(played) WHERE played IS NULL;
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        agent INTEGER NOT NULL REFERENCES agents(id),
        game INTEGER NOT NULL REFERENCES games(id),
        mu REAL NOT NULL,
        sigma REAL NOT NULL
    );
    CREATE INDEX ratings_agent ON ratings(agent);
    """,
    # 2: a game known by its block and number, under recorded rules; evaluations claimed with a lease
    """
    CREATE TABLE rules (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        preset TEXT NOT NULL,
        settings TEXT NOT NULL,
        config TEXT NOT NULL
    );
    CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        rules INTEGER NOT NULL REFERENCES rules(id),
        games INTEGER NOT NULL,
        owner TEXT,
        lease REAL,
        created REAL NOT NULL,
        finished REAL,
        first_rating INTEGER NOT NULL
    );
    CREATE TABLE blocks (
        id INTEGER PRIMARY KEY,
        evaluation INTEGER NOT NULL REFERENCES evaluations(id),
        radiant INTEGER NOT NULL REFERENCES agents(id),
        dire INTEGER NOT NULL REFERENCES agents(id),
        seed INTEGER NOT NULL,
        games INTEGER NOT NULL
    );
    ALTER TABLE games ADD COLUMN block INTEGER REFERENCES blocks(id);
    ALTER TABLE games ADD COLUMN number INTEGER;
    ALTER TABLE games ADD COLUMN rules INTEGER REFERENCES rules(id);
    CREATE UNIQUE INDEX games_identity ON games(block, number);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class LeagueError(ValueError):
    """A league file that is corrupt, foreign or newer; a bad agent name."""


def trueskill_env() -> trueskill.TrueSkill:
    return trueskill.TrueSkill(mu=MU, sigma=SIGMA, beta=SIGMA / 2, tau=0.0, draw_probability=0.02)


@dataclass(frozen=True)
class AgentRow:
    id: int
    name: str
    kind: str
    checkpoint: str | None
    run: str | None
    step: int | None
    parent: int | None
    created: float
    mu: float
    sigma: float
    games: int
    fixed: bool

    @property
    def conservative(self) -> float:
        return self.mu - 3 * self.sigma


@dataclass(frozen=True)
class GameRow:
    id: int
    radiant: int
    dire: int
    preset: str
    seed: int
    winner: int | None
    ticks: int | None
    replay: str | None


@dataclass(frozen=True)
class BlockRow:
    id: int
    radiant: int
    dire: int
    seed: int
    pending: dict[int, int]  # number -> game id of the games not yet recorded


@dataclass(frozen=True)
class EvaluationRow:
    id: int
    games: int  # asked
    recorded: int  # recorded so far, by whichever process
    blocks: int  # scheduled so far


def rules_digest(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claimed(owner: str | None, lease: float | None, now: float) -> bool:
    """Whether a claim still holds: its process is alive (on this machine,
    asked directly), or its lease has not run out (elsewhere)."""
    if owner is None:
        return False
    host, _, pid = owner.rpartition(":")
    if host == socket.gethostname():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return lease is not None and lease > now


class LeagueStore:
    """An open league file. Use as a context manager or call `close()`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.ts = trueskill_env()
        try:
            self.db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout = 60000")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise LeagueError(f"{str(self.path)!r} is not a league database ({e})") from None
        self.db.execute("PRAGMA foreign_keys = ON")

    def __enter__(self) -> "LeagueStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app != APPLICATION_ID and (tables or version):
            raise LeagueError(f"{str(self.path)!r} is an SQLite file but not a moba league")
        if version > SCHEMA_VERSION:
            raise LeagueError(f"{str(self.path)!r} has league schema {version}; this moba reads up to "
                              f"{SCHEMA_VERSION}: upgrade moba")
        if version < SCHEMA_VERSION:
            self.db.execute("PRAGMA journal_mode = WAL")
            with self.transaction():
                # Another process may have migrated while we waited for the lock.
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                for script in MIGRATIONS[version:]:
                    for statement in script.split(";"):
                        if statement.strip():
                            self.db.execute(statement)
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                for name, kind in BUILTIN:
                    self.db.execute(
                        "INSERT OR IGNORE INTO agents (name, kind, created, mu, sigma, fixed) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (name, kind, time.time(), 0.0 if name == ANCHOR else MU,
                         1e-4 if name == ANCHOR else SIGMA, int(name == ANCHOR)))

    class _Tx:
        def __init__(self, db: sqlite3.Connection):
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")  # take the write lock now: no lost updates
            return self.db

        def __exit__(self, exc_type, *rest) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def transaction(self) -> "_Tx":
        return self._Tx(self.db)

    # --- agents

    def add_agent(self, name: str, kind: str, checkpoint: str | None = None, run: str | None = None,
                  step: int | None = None, parent: str | None = None, exist_ok: bool = False) -> AgentRow:
        """Register an agent at the default rating; a taken name is an error
        unless `exist_ok` (then the existing agent is returned unchanged)."""
        if kind not in AGENT_KINDS:
            raise LeagueError(f"agent kind {kind!r} is not one of {', '.join(AGENT_KINDS)}")
        if not name or name != name.strip():
            raise LeagueError(f"agent name {name!r} must be non-empty without surrounding spaces")
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM agents WHERE name = ?", (name,)).fetchone():
                if exist_ok:
                    return self.agent(name)
                raise LeagueError(f"the league already has an agent named {name!r}")
            parent_id = self.agent(parent).id if parent else None
            db.execute("INSERT INTO agents (name, kind, checkpoint, run, step, parent, created, mu, sigma) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (name, kind, checkpoint, run, step, parent_id, time.time(), MU, SIGMA))
        return self.agent(name)

    def agent(self, name_or_id: str | int) -> AgentRow:
        col = "id" if isinstance(name_or_id, int) else "name"
        row = self.db.execute(f"SELECT * FROM agents WHERE {col} = ?", (name_or_id,)).fetchone()
        if row is None:
            raise LeagueError(f"no agent {name_or_id!r} in the league {str(self.path)!r}")
        return _agent(row)

    def agents(self) -> list[AgentRow]:
        return [_agent(r) for r in self.db.execute("SELECT * FROM agents ORDER BY id")]

    # --- games

    def schedule(self, matches: list[tuple[int, int, int]], preset: str, rated: bool = True,
                 rules: int | None = None) -> list[int]:
        """Record (radiant id, dire id, seed) single games as pending; their ids."""
        now = time.time()
        with self.transaction() as db:
            return [db.execute("INSERT INTO games (radiant, dire, preset, seed, scheduled, rated, rules) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", (r, d, preset, s, now, int(rated), rules)).lastrowid
                    for r, d, s in matches]

    def record(self, game_id: int, winner: int, ticks: int, replay: str | None = None,
               fixed: frozenset[int] = frozenset()) -> bool:
        """Record a finished game and update both ratings (but the anchor's, a
        fixed agent's and those of `fixed` ids), in one transaction. False
        (and nothing written) if the game was already recorded."""
        with self.transaction() as db:
            row = db.execute("SELECT radiant, dire, played, rated FROM games WHERE id = ?",
                             (game_id,)).fetchone()
            if row is None:
                raise LeagueError(f"no scheduled game {game_id}")
            radiant, dire, played, rated = row
            if played is not None:
                return False
            db.execute("UPDATE games SET winner = ?, ticks = ?, replay = ?, played = ? WHERE id = ?",
                       (winner, ticks, replay, time.time(), game_id))
            for agent in {radiant, dire}:
                db.execute("UPDATE agents SET games = games + 1 WHERE id = ?", (agent,))
            if rated and radiant != dire:
                self._rate(db, game_id, radiant, dire, winner, fixed)
            return True

    # --- evaluations

    def rules(self, preset: str, config: dict, settings: dict) -> int:
        """The id of these rules (a resolved game config; `settings`, the
        keys that differ from the preset), or a LeagueError naming the keys
        that differ from the rules of the league's evaluations so far."""
        digest = rules_digest(config)
        with self.transaction() as db:
            used = db.execute("SELECT DISTINCT r.digest, r.preset, r.config FROM rules r "
                              "JOIN evaluations e ON e.rules = r.id WHERE r.digest != ?", (digest,)).fetchone()
            if used is not None:
                theirs = json.loads(used[2])
                keys = sorted(k for k in config.keys() | theirs.keys() if config.get(k) != theirs.get(k))
                diff = "; ".join(f"game.{k} = {config.get(k)!r} here, {theirs.get(k)!r} in the league"
                                 for k in keys)
                raise LeagueError(f"the league {str(self.path)!r} rates games played on {used[1]!r} under other "
                                  f"rules ({diff}); use another league file for these rules")
            db.execute("INSERT OR IGNORE INTO rules (digest, preset, settings, config) VALUES (?, ?, ?, ?)",
                       (digest, preset, json.dumps(settings, sort_keys=True), json.dumps(config, sort_keys=True)))
            return db.execute("SELECT id FROM rules WHERE digest = ?", (digest,)).fetchone()[0]

    def claim(self, command: dict, rules: int, games: int) -> EvaluationRow:
        """Adopt the oldest unfinished evaluation of the same command whose
        claimant is gone, or start a new one; this process holds it until
        `release`."""
        key = json.dumps(command, sort_keys=True)
        now = time.time()
        with self.transaction() as db:
            found = None
            for eid, owner, lease in db.execute(
                    "SELECT id, owner, lease FROM evaluations WHERE command = ? AND rules = ? AND games = ? "
                    "AND finished IS NULL ORDER BY id", (key, rules, games)).fetchall():
                if not _claimed(owner, lease, now):
                    found = eid
                    break
            if found is None:
                last = db.execute("SELECT coalesce(max(id), 0) FROM ratings").fetchone()[0]
                found = db.execute("INSERT INTO evaluations (command, rules, games, created, first_rating) "
                                   "VALUES (?, ?, ?, ?, ?)", (key, rules, games, now, last + 1)).lastrowid
            db.execute("UPDATE evaluations SET owner = ?, lease = ? WHERE id = ?", (_me(), now + LEASE, found))
        return self.evaluation(found)

    def evaluation(self, evaluation: int) -> EvaluationRow:
        asked, recorded, blocks = self.db.execute(
            "SELECT e.games, (SELECT count(*) FROM games g JOIN blocks b ON g.block = b.id "
            "WHERE b.evaluation = e.id AND g.played IS NOT NULL), "
            "(SELECT count(*) FROM blocks b WHERE b.evaluation = e.id) FROM evaluations e WHERE e.id = ?",
            (evaluation,)).fetchone()
        return EvaluationRow(evaluation, asked, recorded, blocks)

    def renew(self, evaluation: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE evaluations SET lease = ? WHERE id = ? AND owner = ?",
                       (time.time() + LEASE, evaluation, _me()))

    def release(self, evaluation: int, finished: bool = False) -> None:
        with self.transaction() as db:
            db.execute("UPDATE evaluations SET owner = NULL, lease = NULL, finished = ? WHERE id = ? AND owner = ?",
                       (time.time() if finished else None, evaluation, _me()))

    def schedule_block(self, evaluation: int, radiant: int, dire: int, seed: int, games: int,
                       preset: str) -> BlockRow | None:
        """A new block of at most `games` games of the evaluation, as many as
        it still lacks (None if it lacks none). Its seed is mixed from `seed`
        and the block's id, so no two blocks of a league share one."""
        now = time.time()
        with self.transaction() as db:
            asked, rules = db.execute("SELECT games, rules FROM evaluations WHERE id = ?", (evaluation,)).fetchone()
            scheduled = db.execute("SELECT coalesce(sum(games), 0) FROM blocks WHERE evaluation = ?",
                                   (evaluation,)).fetchone()[0]
            n = min(games, asked - scheduled)
            if n <= 0:
                return None
            block = db.execute("INSERT INTO blocks (evaluation, radiant, dire, seed, games) VALUES (?, ?, ?, 0, ?)",
                               (evaluation, radiant, dire, n)).lastrowid
            block_seed = int(hashlib.sha256(f"{seed}:{block}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF
            db.execute("UPDATE blocks SET seed = ? WHERE id = ?", (block_seed, block))
            ids = {number: db.execute(
                "INSERT INTO games (radiant, dire, preset, seed, scheduled, block, number, rules) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (radiant, dire, preset, block_seed, now, block, number, rules)
            ).lastrowid for number in range(n)}
        return BlockRow(block, radiant, dire, block_seed, ids)

    def standing(self, evaluation: int, blocks: int) -> list[AgentRow] | None:
        """Every agent as it stood once the evaluation's first `blocks`
        blocks were recorded (by the ratings' history; None if one of them
        is not): what its matchmaking reads, so the pairings depend on
        the results and not on how many blocks were under way at once."""
        firsts = [b for (b,) in self.db.execute(
            "SELECT id FROM blocks WHERE evaluation = ? ORDER BY id LIMIT ?", (evaluation, blocks))]
        if len(firsts) < blocks or self.db.execute(
                f"SELECT 1 FROM games WHERE played IS NULL AND block IN ({','.join('?' * len(firsts))})",
                firsts).fetchone():
            return None
        cutoff = self.db.execute(
            "SELECT max(r.id) FROM ratings r JOIN games g ON r.game = g.id WHERE g.block IN "
            f"({','.join('?' * len(firsts))})", firsts).fetchone()[0]
        if cutoff is None:
            cutoff = self.db.execute("SELECT first_rating - 1 FROM evaluations WHERE id = ?",
                                     (evaluation,)).fetchone()[0]
        rows = []
        for a in self.agents():
            if not a.fixed:
                last = self.db.execute("SELECT mu, sigma, (SELECT count(*) FROM ratings WHERE agent = ? AND id <= ?) "
                                       "FROM ratings WHERE agent = ? AND id <= ? ORDER BY id DESC LIMIT 1",
                                       (a.id, cutoff, a.id, cutoff)).fetchone()
                mu, sigma, games = last if last else (MU, SIGMA, 0)
                a = dataclasses.replace(a, mu=mu, sigma=sigma, games=games)
            rows.append(a)
        return rows

    def pending_blocks(self, evaluation: int) -> list[BlockRow]:
        """The evaluation's blocks with games not yet recorded, oldest first."""
        blocks: dict[int, BlockRow] = {}
        for block, radiant, dire, seed, number, game in self.db.execute(
                "SELECT b.id, b.radiant, b.dire, b.seed, g.number, g.id FROM blocks b JOIN games g ON g.block = b.id "
                "WHERE b.evaluation = ? AND g.played IS NULL ORDER BY b.id, g.number", (evaluation,)):
            blocks.setdefault(block, BlockRow(block, radiant, dire, seed, {})).pending[number] = game
        return list(blocks.values())

    def _rate(self, db: sqlite3.Connection, game_id: int, radiant: int, dire: int, winner: int,
              fixed: frozenset[int]) -> None:
        (mu_r, s_r, fix_r), (mu_d, s_d, fix_d) = (
            db.execute("SELECT mu, sigma, fixed FROM agents WHERE id = ?", (a,)).fetchone() for a in (radiant, dire))
        r, d = self.ts.create_rating(mu_r, s_r), self.ts.create_rating(mu_d, s_d)
        if winner == 1:
            new_d, new_r = trueskill.rate_1vs1(d, r, env=self.ts)
        else:
            new_r, new_d = trueskill.rate_1vs1(r, d, drawn=winner == 2, env=self.ts)
        for agent, new, held in ((radiant, new_r, fix_r or radiant in fixed), (dire, new_d, fix_d or dire in fixed)):
            if not held:
                db.execute("UPDATE agents SET mu = ?, sigma = ? WHERE id = ?", (new.mu, new.sigma, agent))
                db.execute("INSERT INTO ratings (agent, game, mu, sigma) VALUES (?, ?, ?, ?)",
                           (agent, game_id, new.mu, new.sigma))

    def results(self) -> Iterator[tuple[int, int, int]]:
        """(radiant id, dire id, winner) of every played game, in order."""
        yield from self.db.execute("SELECT radiant, dire, winner FROM games WHERE played IS NOT NULL ORDER BY id")

    def played_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM games WHERE played IS NOT NULL").fetchone()[0]


def _agent(row: tuple) -> AgentRow:
    return AgentRow(*row[:11], fixed=bool(row[11]))
