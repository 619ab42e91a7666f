"""`dlgrade practice`: the record (a real SQLite file in a temporary data directory), the schedule of reviews on
a clock the tests move ($DLGRADE_NOW), and the flow through the real command, a process per step as a
candidate runs it: pick, hint, check, submit (fail and pass), the solution and follow-up answers, stats, a mock
interview, refusals, and a submit killed halfway."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from dlgrade.grading import practice
from dlgrade.grading.progress import DATABASE, DAY, MIGRATIONS, Store
from dlgrade.registry import available_topics, load_topic
from tests.support import SOLUTIONS

START = 1_800_000_000.0  # a fixed "now" (2027-01-15), moved forward by the tests

STEP_RIGHT = "    return (np.asarray(z) > 0).astype(np.float64)\n"
STEP_AT_ZERO = "    return (np.asarray(z) >= 0).astype(np.float64)\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A data directory, a workspace folder as the current one, and the clock at START."""
    monkeypatch.setenv("DLGRADE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DLGRADE_NOW", str(START))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def at(monkeypatch, days: float) -> None:
    monkeypatch.setenv("DLGRADE_NOW", str(START + days * DAY))


def dlgrade_practice(*args) -> subprocess.CompletedProcess:
    """`python -m dlgrade practice ARGS` in its own process, with this test's data directory, clock and
    current folder (the environment monkeypatch set), its output as a pipe sees it."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run([sys.executable, "-m", "dlgrade", "practice", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


def practise(*args) -> str:
    ran = dlgrade_practice(*args)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return " ".join(ran.stdout.split())


def fill(home, topic: str, function: str, body: str) -> None:
    """The candidate writes ``function``'s body in the workspace (replacing its `raise NotImplementedError`)."""
    path = home / "practice" / f"{topic}.py"
    source = path.read_text()
    start = source.index(f"def {function}(")
    at_raise = source.index("    raise NotImplementedError\n", start)
    path.write_text(source[:at_raise] + body + source[at_raise + len("    raise NotImplementedError\n"):])


# -- the record -----------------------------------------------------------------------------------------------

def test_a_new_record_has_the_latest_schema_and_a_change_is_all_or_nothing(home):
    with Store() as store:
        assert store.version == len(MIGRATIONS)
        with pytest.raises(RuntimeError):
            with store.transaction() as db:
                db.execute("INSERT INTO attempts (topic, function, difficulty, workspace, started_at) "
                           "VALUES ('a', 'b', 'easy', '.', 0)")
                raise RuntimeError("interrupted")
        assert store.db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 0
    # A file claiming a later version than this dlgrade knows is refused rather than misread.
    db = sqlite3.connect(home / "data" / DATABASE)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer dlgrade"):
        Store()


def test_a_file_of_the_first_version_opens_migrated_with_its_record_kept(tmp_path):
    """A record written by the first release (schema 1, made here from MIGRATIONS[0] as that release did) is
    brought up to the latest schema on open, each step in a transaction, and keeps every attempt."""
    path = tmp_path / DATABASE
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO attempts (topic, function, difficulty, workspace, started_at, finished_at, outcome, "
               "seconds) VALUES ('perceptron', 'step', 'easy', '.', 1.0, 61.0, 'passed', 60.0)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.version == len(MIGRATIONS) > 1
        kept = store.last_finished()
        assert (kept["function"], kept["outcome"], kept["seconds"], kept["checks_run"]) == ("step", "passed", 60.0, 0)
        assert store.count_check(store.start("perceptron", "step", "easy", ".")) == 1
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reviews_come_back_after_spaced_intervals(home, monkeypatch):
    with Store() as store:
        def attempt(outcome, hints=0, mistake=None):
            attempt_id = store.start("perceptron", "step", "easy", str(home))
            for _ in range(hints):
                store.take_hint(attempt_id)
            return store.finish(attempt_id, outcome, mistake=mistake)["review_in_days"]

        assert attempt("failed", mistake="step_one_at_zero") == 1
        assert store.due() == []
        at(monkeypatch, 1.01)
        assert [(r["function"], r["mistake"]) for r in store.due()] == [("step", "step_one_at_zero")]
        assert attempt("passed") == 2.5  # a clean pass after a miss: the interval grows
        assert store.due() == []
        assert attempt("passed") == 6.25
        assert attempt("passed", hints=1) == 1  # solved with a hint: back soon
        assert attempt("gave_up") == 1


def test_next_takes_reviews_first_then_new_functions_at_the_candidates_level(home, monkeypatch):
    pool = practice.exercises([load_topic(t) for t in available_topics()])
    with Store() as store:
        first, why = practice.choose(store, pool, [])
        assert (first.topic, first.function, first.difficulty) == ("perceptron", "step", "easy") and "new" in why
        store.finish(store.start("perceptron", "step", "easy", "."), "passed")
        second, _ = practice.choose(store, pool, ["next"])
        assert second.function == "perceptron_predict"  # the next in curriculum order at the level reached
        store.finish(store.start("perceptron", "perceptron_predict", "easy", "."), "failed", mistake="x")
        at(monkeypatch, 2)
        review, why = practice.choose(store, pool, [])
        assert review.function == "perceptron_predict" and why == "a review that is due"
        assert practice.choose(store, pool, ["conv", "hard"])[0].topic == "conv"
        with pytest.raises(ValueError, match="no topic, difficulty or function named nothing_here"):
            practice.choose(store, pool, ["nothing_here"])


def test_every_function_of_every_topic_has_escalating_hints_and_follow_up_questions():
    for name in available_topics():
        topic = load_topic(name)
        assert set(topic.practice) == set(topic.functions), name
        for function, info in topic.practice.items():
            assert len(info.hints) >= 2 and info.questions, (name, function)


# -- the flow, as a candidate runs it ------------------------------------------------------------------------

def test_pick_hint_check_submit_review_and_stats(home, monkeypatch):
    started = practise()
    assert "perceptron::step (easy; new, at your level (easy))" in started and "practice/perceptron.py" in started
    assert "Heaviside step" in started and "Examples" in started and ">>> step(np.array([-1.5, 0.0, 2.0]))" in started
    assert (home / "practice" / "perceptron.py").read_text() == (SOLUTIONS.parent / "exercises" / "perceptron.py").read_text()
    at(monkeypatch, 30 / DAY)
    assert "hint 1 of 3:" in practise("hint") and "elapsed 00:30" in practise("status")
    assert "TODO step::matches_rule" in practise("check")
    fill(home, "perceptron", "step", STEP_AT_ZERO)
    at(monkeypatch, 95 / DAY)
    failed = practise("submit")
    assert "FAIL step::matches_rule" in failed and "(hidden)" in failed
    assert "failed in 01:35 with 1 hint and 1 check run; the mistake: step_one_at_zero; it comes back for review in 1 " \
        "day" in failed
    assert "your code" not in failed  # no solution after a failure
    retry = practise("start", "step")
    assert "last time: step_one_at_zero" in retry
    assert "raise NotImplementedError" in (home / "practice" / "perceptron.py").read_text()  # back to the stub
    fill(home, "perceptron", "step", STEP_RIGHT)
    at(monkeypatch, 200 / DAY)
    passed = practise("submit")
    assert "passed in 01:45 with 0 hints and 0 checks run; it comes back for review in 2.5 days" in passed
    assert "your code" in passed and "the reference" in passed and "an interviewer would ask next" in passed
    answers = practise("answers")
    assert all(q in answers and a.split()[0] in answers for q, a in load_topic("perceptron").practice["step"].questions)
    stats = practise("stats")
    assert "perceptron │ 1 │ 1 │ 3 │ 01:45 │ 01:45" in stats.replace("  ", " ")
    assert "streak: 1 day; attempts: 2" in stats
    at(monkeypatch, 3)
    assert "perceptron::step (easy; a review that is due)" in practise()


def test_a_mock_interview_runs_under_one_countdown_and_reports(home, monkeypatch):
    begun = practise("mock", "--count", "3", "--minutes", "30", "--seed", "1", "--workspace", "interview")
    assert "mock interview: 3 exercises, 30:00 in all" in begun and "1 of 3:" in begun
    assert "write it in interview/" in begun and not (home / "practice").exists()
    given = practise("give-up")
    assert "mock interview: 2 of 3" in given and "your code" not in given  # no solution in the middle of it
    assert "write it in interview/" in given  # the same workspace, shown as the candidate types it
    assert "hint 1 of" in practise("hint")
    at(monkeypatch, 31 / (24 * 60))  # past the countdown
    report = practise("status")
    assert "the mock interview's time is up" in report and "mock interview report" in report
    assert "gave_up" in report and "not reached" in report and "to review:" in report and "checks run" in report
    assert "no exercise is open" in practise("status")


def test_commands_that_cannot_be_done_now_say_why(home):
    for action, says in (("hint", "no exercise is open"), ("submit", "no exercise is open"),
                         ("solution", "nothing practised yet")):
        ran = dlgrade_practice(action)
        assert ran.returncode == 2 and says in " ".join(ran.stdout.split()), ran.stdout


def test_a_submit_killed_halfway_leaves_the_record_consistent(home):
    """A real process, killed while its checks run: the attempt stays open, the file is intact, and the next
    submit records it."""
    env = {**os.environ, "DLGRADE_DATA_DIR": str(home / "data")}
    env.pop("DLGRADE_NOW", None)
    run = [sys.executable, "-m", "dlgrade", "practice"]
    assert subprocess.run(run + ["start", "step"], env=env, cwd=home, capture_output=True, timeout=300).returncode == 0
    started = home / "checks-running"
    stalls = f"    import pathlib, time\n    pathlib.Path({str(started)!r}).touch()\n    time.sleep(60)\n"
    fill(home, "perceptron", "step", stalls)
    submit = subprocess.Popen(run + ["submit"], env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline:  # its checks are running: step() was called
        time.sleep(0.05)
    assert started.exists(), "the submit never called step()"
    os.killpg(submit.pid, signal.SIGKILL)
    submit.wait(timeout=60)
    db = sqlite3.connect(home / "data" / DATABASE)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT COUNT(*) FROM attempts WHERE finished_at IS NULL").fetchone()[0] == 1
    db.close()
    source = (home / "practice" / "perceptron.py").read_text()
    (home / "practice" / "perceptron.py").write_text(source.replace(stalls, STEP_RIGHT))
    done = subprocess.run(run + ["submit"], env=env, cwd=home, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "passed in" in done.stdout, done.stdout + done.stderr
