"""Student ids in `dlgrade grade SUBMISSIONS` (grading/intake.py::scan): one rule, whatever the listing order.

A folder's id is its name, a file's its name less the final extension. A stray file keeps that id unless
another entry gives it too (then it goes by its full name, never blocking a real submission); real
submissions (folders, zips) giving one id are none of them graded, each listed under its full entry name.
"""
import csv
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import zipfile

import pytest
from dlgrade.grading.intake import scan

from tests.support import ROOT, SOLUTIONS

MODULE = (SOLUTIONS / "activations.py").read_bytes()
NOT_A_SUBMISSION = "not a submission: expected a folder of <topic>.py modules or a .zip of one"


def make(subs: pathlib.Path, *names: str) -> pathlib.Path:
    """Entries of SUBMISSIONS: 'x/' a folder holding activations.py, '*.zip' (any case) a zip of it, else a file."""
    subs.mkdir(exist_ok=True)
    for name in names:
        path = subs / name.rstrip("/")
        if name.endswith("/"):
            path.mkdir()
            (path / "activations.py").write_bytes(MODULE)
        elif name.lower().endswith(".zip"):
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("activations.py", MODULE)
        else:
            path.write_text("a stray file")
    return subs


def by_entry(subs) -> dict:
    found = scan(subs)
    ids = [s.student for s in found]
    assert len(set(ids)) == len(ids), ids  # records and feedback are stored per id
    assert [s.entry for s in found] == sorted(s.entry for s in found)  # rows in entry-name order, as before
    return {s.entry: (s.student, s.kind, s.error) for s in found}


def test_the_id_is_a_folders_name_and_a_files_name_less_its_final_extension(tmp_path):
    subs = make(tmp_path / "subs", "frank/", "frank2.zip", "frank.smith/", "grace.ZIP", "heidi.txt", "ivan.tar.gz",
                "judy", ".hidden/", ".DS_Store", "__MACOSX/")
    assert by_entry(subs) == {
        "frank": ("frank", "folder", None),
        "frank2.zip": ("frank2", "zip", None),
        "frank.smith": ("frank.smith", "folder", None),
        "grace.ZIP": ("grace", "zip", None),  # .zip matched in any case
        "heidi.txt": ("heidi", "invalid", NOT_A_SUBMISSION),
        "ivan.tar.gz": ("ivan.tar", "invalid", NOT_A_SUBMISSION),
        "judy": ("judy", "invalid", NOT_A_SUBMISSION),
    }


@pytest.mark.parametrize("submission", ["frank.zip", "frank/", "frank.Zip"])
def test_a_stray_file_never_blocks_or_renames_the_real_submission(tmp_path, submission):
    subs = make(tmp_path / "subs", submission, "frank.txt", "frank.pdf")
    found = by_entry(subs)
    entry = submission.rstrip("/")
    assert found.pop(entry) == ("frank", "folder" if submission.endswith("/") else "zip", None)
    assert found == {"frank.txt": ("frank.txt", "invalid", NOT_A_SUBMISSION),
                     "frank.pdf": ("frank.pdf", "invalid", NOT_A_SUBMISSION)}
    assert next(s for s in scan(subs) if s.entry == entry).content_hash.startswith("sha256:")


def test_stray_files_giving_one_id_go_by_their_full_names(tmp_path):
    subs = make(tmp_path / "subs", "notes.txt", "notes.md", "todo.txt")
    assert by_entry(subs) == {"notes.md": ("notes.md", "invalid", NOT_A_SUBMISSION),
                              "notes.txt": ("notes.txt", "invalid", NOT_A_SUBMISSION),
                              "todo.txt": ("todo", "invalid", NOT_A_SUBMISSION)}


def test_real_submissions_giving_one_id_are_none_of_them_graded(tmp_path):
    subs = make(tmp_path / "subs", "frank/", "frank.zip", "frank.txt", "heidi/")
    message = "not graded: frank/ and frank.zip give the same student id frank; keep one"
    assert by_entry(subs) == {
        "frank": ("frank", "invalid", message),
        "frank.zip": ("frank.zip", "invalid", message),
        "frank.txt": ("frank.txt", "invalid", NOT_A_SUBMISSION),
        "heidi": ("heidi", "folder", None),
    }


def test_three_submissions_giving_one_id_are_all_named(tmp_path):
    subs = make(tmp_path / "subs", "grace.zip", "grace.ZIP")
    if len(list(subs.iterdir())) < 2:
        pytest.skip("a case-insensitive file system")
    make(subs, "grace/")
    message = "not graded: grace/, grace.ZIP and grace.zip give the same student id grace; keep one"
    assert by_entry(subs) == {name: (name, "invalid", message) for name in ("grace", "grace.ZIP", "grace.zip")}


def test_reserved_names_still_fail(tmp_path):
    subs = make(tmp_path / "subs", "gradebook.csv/", "summary.json.zip", "summary.json.txt")
    reserved = "not graded: a name reserved for the output"
    assert by_entry(subs) == {"gradebook.csv": ("gradebook.csv", "invalid", reserved),
                              "summary.json.zip": ("summary.json.zip", "invalid", reserved),
                              "summary.json.txt": ("summary.json.txt", "invalid", NOT_A_SUBMISSION)}


def test_ids_stay_unique_when_a_full_entry_name_is_another_entrys_id(tmp_path):
    # frank.txt goes by its full name beside frank.zip, and that name is frank.txt.zip's id (a real one keeps
    # it); frank.txt.md's id frank.txt is taken, and its own full name is frank.txt.md.zip's id.
    subs = make(tmp_path / "subs", "frank.zip", "frank.txt", "frank.txt.zip", "frank.txt.md", "frank.txt.md.zip",
                "README", "README.zip", "bob/", "bob.zip", "bob.zip.zip")
    found = by_entry(subs)
    assert {entry: student for entry, (student, _, error) in found.items() if error is None} == {
        "frank.zip": "frank", "frank.txt.zip": "frank.txt", "frank.txt.md.zip": "frank.txt.md",
        "README.zip": "README", "bob.zip.zip": "bob.zip"}
    assert found["frank.txt"][0] == "frank.txt~2" and found["frank.txt.md"][0] == "frank.txt.md~2"
    assert found["README"][0] == "README~2" and found["bob.zip"][0] == "bob.zip~2" and found["bob"][0] == "bob"
    for student, _, _ in found.values():
        assert "/" not in student and not student.startswith(".") and student


def test_the_ids_do_not_depend_on_the_listing_order(tmp_path, monkeypatch):
    subs = make(tmp_path / "subs", "frank/", "frank.zip", "frank.txt", "frank.txt.zip", "grace.zip", "grace.md",
                "heidi.txt", "heidi.md", "ivan/", "ivan.zip", "ivan.zip.txt", "judy.zip")
    expected = scan(subs)
    listing = pathlib.Path.iterdir
    for seed in range(5):
        def shuffled(self, seed=seed):
            entries = list(listing(self))
            random.Random(seed).shuffle(entries)
            return iter(entries)
        monkeypatch.setattr(pathlib.Path, "iterdir", shuffled)
        assert scan(subs) == expected


def grade_cli(subs: pathlib.Path, out: pathlib.Path, topic: str) -> subprocess.CompletedProcess:
    """`dlgrade grade SUBMISSIONS --topics TOPIC` (or a positional TOPIC, where --topics is refused)."""
    env = {**os.environ, "COLUMNS": "200"}
    for option in (True, False):
        args = [sys.executable, "-m", "dlgrade", "grade", str(subs), *([] if option else [topic]), "--out", str(out),
                "--in-process", "--no-progress", *(["--topics", topic] if option else [])]
        result = subprocess.run(args, check=False, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
        if not (option and result.returncode == 2 and "--topics" in result.stdout + result.stderr):
            break
    return result


def test_the_gradebook_lists_every_entry_under_its_id(tmp_path):
    subs = tmp_path / "subs"
    make(subs, "bob/", "bob.zip", "frank.txt", "grace.txt", "grace.md")
    (subs / "frank").mkdir()
    shutil.copy(SOLUTIONS / "activations.py", subs / "frank" / "activations.py")
    out = tmp_path / "out"
    result = grade_cli(subs, out, "activations")
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    clash = "error: not graded: bob/ and bob.zip give the same student id bob; keep one"
    stray = f"error: {NOT_A_SUBMISSION}"
    assert [(r["student"], r["status"]) for r in rows] == [
        ("bob", clash), ("bob.zip", clash), ("frank", "ok"), ("frank.txt", stray),
        ("grace.md", stray), ("grace.txt", stray)]
    frank = rows[2]
    assert float(frank["total"]) == float(frank["max"]) == float(frank["activations"]) > 0
    assert all(float(r["total"]) == 0 for r in rows if r["student"] != "frank")
    # Feedback for the one real student; records for every row, under its id.
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != ".dlgrade") == ["frank"]
    assert (out / "frank" / "feedback.md").is_file() and json.loads((out / "frank" / "results.json").read_text())
    records = {p.stem: json.loads(p.read_text()) for p in (out / ".dlgrade" / "records").glob("*.json")}
    assert set(records) == {r["student"] for r in rows}
    assert records["frank.txt"]["entry"] == "frank.txt" and records["frank"]["entry"] == "frank"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["graded_ok"] == 1 and set(summary["errors_by_student"]) == {
        "bob", "bob.zip", "frank.txt", "grace.md", "grace.txt"}
