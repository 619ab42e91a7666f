"""A candidate's practice record: attempts, hints taken, reviews due, mock interviews, in one SQLite file.

The file lives in the user's data directory (``$DLGRADE_DATA_DIR``, else ``$XDG_DATA_HOME/dlgrade``, else
``~/.local/share/dlgrade``). Its schema is versioned with SQLite's ``user_version``: opening a file of an
older version runs the migrations after it, each in one transaction, so a file from the first version opens in
every later one. Every change a command makes is one transaction too (``with store.transaction():``), so an
interrupted command leaves the file as it was before it, never half-written.

Times are seconds since the epoch from :func:`now`, which ``$DLGRADE_NOW`` overrides (an ISO date-time or
epoch seconds): how the tests move the clock to see reviews come due.
"""
from __future__ import annotations

import contextlib
import datetime
import os
import pathlib
import sqlite3
import statistics
import time

DATA_DIR_ENV = "DLGRADE_DATA_DIR"
NOW_ENV = "DLGRADE_NOW"
DATABASE = "progress.sqlite3"
DAY = 86400.0

#: One script per schema version, in order: never edited once released, only appended to.
MIGRATIONS = (
    """
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        function TEXT NOT NULL,
        difficulty TEXT NOT NULL,
        workspace TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        outcome TEXT CHECK (outcome IN ('passed', 'failed', 'gave_up')),
        seconds REAL,
        score REAL,
        max_score REAL,
        mistake TEXT,
        mock_id INTEGER REFERENCES mocks(id)
    );
    CREATE TABLE hints (
        attempt_id INTEGER NOT NULL REFERENCES attempts(id),
        number INTEGER NOT NULL,
        taken_at REAL NOT NULL,
        PRIMARY KEY (attempt_id, number)
    );
    CREATE TABLE reviews (
        topic TEXT NOT NULL,
        function TEXT NOT NULL,
        due_at REAL NOT NULL,
        interval_days REAL NOT NULL,
        mistake TEXT,
        PRIMARY KEY (topic, function)
    );
    CREATE TABLE mocks (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        deadline_at REAL NOT NULL,
        finished_at REAL,
        planned TEXT NOT NULL
    );
    CREATE INDEX attempts_by_function ON attempts (topic, function);
    """,
    # 2: how many times the public checks were run before the attempt ended (a mock interview's report shows it)
    """
    ALTER TABLE attempts ADD COLUMN checks_run INTEGER NOT NULL DEFAULT 0;
    """,
)

#: A review's first interval after a miss (failed, given up, or passed with hints), in days; each clean pass
#: multiplies the interval by GROWTH; a miss starts it over.
FIRST_INTERVAL, GROWTH, FIRST_CLEAN = 1.0, 2.5, 4.0


def now() -> float:
    setting = os.environ.get(NOW_ENV, "").strip()
    if not setting:
        return time.time()
    try:
        return float(setting)
    except ValueError:
        pass
    try:
        moment = datetime.datetime.fromisoformat(setting)
    except ValueError:
        raise ValueError(f"${NOW_ENV}={setting!r}: give an ISO date-time (2026-12-01T10:00) or epoch seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def data_dir() -> pathlib.Path:
    if os.environ.get(DATA_DIR_ENV):
        return pathlib.Path(os.environ[DATA_DIR_ENV])
    base = os.environ.get("XDG_DATA_HOME") or pathlib.Path.home() / ".local" / "share"
    return pathlib.Path(base) / "dlgrade"


class Store:
    """The practice record in one SQLite file (see the module's docstring)."""

    def __init__(self, path: pathlib.Path | None = None):
        self.path = pathlib.Path(path) if path else data_dir() / DATABASE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are ours (BEGIN IMMEDIATE ... COMMIT), not sqlite3's guesses.
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self.migrate()

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        while self.version < len(MIGRATIONS):
            target = self.version + 1
            with self.transaction():
                for statement in MIGRATIONS[target - 1].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")
        if self.version > len(MIGRATIONS):
            raise RuntimeError(f"{self.path} was written by a newer dlgrade (schema {self.version}); upgrade dlgrade")

    @contextlib.contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- attempts ---------------------------------------------------------------------------------------------
    def open_attempt(self):
        return self.db.execute("SELECT * FROM attempts WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()

    def last_finished(self):
        return self.db.execute("SELECT * FROM attempts WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
                               ).fetchone()

    def attempt(self, attempt_id: int):
        return self.db.execute("SELECT * FROM attempts WHERE id = ?", (attempt_id,)).fetchone()

    def start(self, topic: str, function: str, difficulty: str, workspace: str, mock_id: int | None = None) -> int:
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO attempts (topic, function, difficulty, workspace, started_at, mock_id) "
                                "VALUES (?, ?, ?, ?, ?, ?)", (topic, function, difficulty, workspace, now(), mock_id))
            return cursor.lastrowid

    def take_hint(self, attempt_id: int) -> int:
        """Record the next hint of the attempt; its number (1 for the first)."""
        with self.transaction() as db:
            taken = db.execute("SELECT COUNT(*) FROM hints WHERE attempt_id = ?", (attempt_id,)).fetchone()[0]
            db.execute("INSERT INTO hints VALUES (?, ?, ?)", (attempt_id, taken + 1, now()))
            return taken + 1

    def count_check(self, attempt_id: int) -> int:
        """Record one more run of the attempt's public checks; how many runs so far."""
        with self.transaction() as db:
            db.execute("UPDATE attempts SET checks_run = checks_run + 1 WHERE id = ?", (attempt_id,))
            return db.execute("SELECT checks_run FROM attempts WHERE id = ?", (attempt_id,)).fetchone()[0]

    def hints_taken(self, attempt_id: int) -> int:
        return self.db.execute("SELECT COUNT(*) FROM hints WHERE attempt_id = ?", (attempt_id,)).fetchone()[0]

    def finish(self, attempt_id: int, outcome: str, score: float | None = None, max_score: float | None = None,
               mistake: str | None = None) -> dict:
        """Record how the attempt ended and schedule its review; {seconds, hints, checks, review_in_days}."""
        with self.transaction() as db:
            attempt = self.attempt(attempt_id)
            seconds = now() - attempt["started_at"]
            db.execute("UPDATE attempts SET finished_at = ?, outcome = ?, seconds = ?, score = ?, max_score = ?, "
                       "mistake = ? WHERE id = ?", (now(), outcome, seconds, score, max_score, mistake, attempt_id))
            hints = db.execute("SELECT COUNT(*) FROM hints WHERE attempt_id = ?", (attempt_id,)).fetchone()[0]
            days = self._schedule(db, attempt["topic"], attempt["function"], clean=outcome == "passed" and not hints,
                                  mistake=mistake)
        return {"seconds": seconds, "hints": hints, "checks": attempt["checks_run"], "review_in_days": days}

    def _schedule(self, db, topic: str, function: str, clean: bool, mistake: str | None) -> float:
        row = db.execute("SELECT * FROM reviews WHERE topic = ? AND function = ?", (topic, function)).fetchone()
        if clean:
            days = row["interval_days"] * GROWTH if row else FIRST_CLEAN
        else:
            days = FIRST_INTERVAL
        kept_mistake = mistake or (row["mistake"] if row and not clean else None)
        db.execute("INSERT INTO reviews VALUES (?, ?, ?, ?, ?) ON CONFLICT (topic, function) DO UPDATE SET "
                   "due_at = excluded.due_at, interval_days = excluded.interval_days, mistake = excluded.mistake",
                   (topic, function, now() + days * DAY, days, kept_mistake))
        return days

    # -- what is due, and progress ----------------------------------------------------------------------------
    def due(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM reviews WHERE due_at <= ? ORDER BY due_at", (now(),)).fetchall()

    def review_of(self, topic: str, function: str):
        return self.db.execute("SELECT * FROM reviews WHERE topic = ? AND function = ?", (topic, function)).fetchone()

    def attempted(self) -> set[tuple[str, str]]:
        return {(r["topic"], r["function"]) for r in self.db.execute("SELECT topic, function FROM attempts")}

    def solved(self) -> set[tuple[str, str]]:
        return {(r["topic"], r["function"]) for r in
                self.db.execute("SELECT topic, function FROM attempts WHERE outcome = 'passed'")}

    def stats(self) -> dict:
        """Per topic and per difficulty: functions attempted and solved, best and median solving times; the
        streak of consecutive practice days up to today; the reviews due."""
        rows = self.db.execute("SELECT * FROM attempts WHERE finished_at IS NOT NULL").fetchall()

        def group(key):
            groups = {}
            for r in rows:
                g = groups.setdefault(r[key], {"attempted": set(), "solved": set(), "times": []})
                g["attempted"].add((r["topic"], r["function"]))
                if r["outcome"] == "passed":
                    g["solved"].add((r["topic"], r["function"]))
                    g["times"].append(r["seconds"])
            return {name: {"attempted": len(g["attempted"]), "solved": len(g["solved"]),
                           "best_seconds": min(g["times"]) if g["times"] else None,
                           "median_seconds": statistics.median(g["times"]) if g["times"] else None}
                    for name, g in sorted(groups.items())}

        days = {datetime.datetime.fromtimestamp(r["started_at"], datetime.timezone.utc).date() for r in rows}
        today = datetime.datetime.fromtimestamp(now(), datetime.timezone.utc).date()
        streak = 0
        while today - datetime.timedelta(days=streak) in days:
            streak += 1
        return {"by_topic": group("topic"), "by_difficulty": group("difficulty"), "streak_days": streak,
                "due": [(r["topic"], r["function"], r["mistake"]) for r in self.due()],
                "attempts": len(rows)}

    # -- mock interviews --------------------------------------------------------------------------------------
    def start_mock(self, planned: list[tuple[str, str]], minutes: float) -> int:
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO mocks (started_at, deadline_at, planned) VALUES (?, ?, ?)",
                                (now(), now() + minutes * 60, "\n".join(f"{t}::{f}" for t, f in planned)))
            return cursor.lastrowid

    def open_mock(self):
        return self.db.execute("SELECT * FROM mocks WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()

    def mock_attempts(self, mock_id: int) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM attempts WHERE mock_id = ? ORDER BY id", (mock_id,)).fetchall()

    def finish_mock(self, mock_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE attempts SET finished_at = ?, outcome = 'gave_up', seconds = ? - started_at "
                       "WHERE finished_at IS NULL AND mock_id = ?", (now(), now(), mock_id))
            db.execute("UPDATE mocks SET finished_at = ? WHERE id = ?", (now(), mock_id))
