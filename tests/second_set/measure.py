"""Grade every buggy copy of the second set and tabulate what the graders make of it.

Run ``python -m tests.second_set.measure [out.json]``. For each copy in tests/second_set/mutants.py it writes the
reference module followed by the copy's source into a temp folder, grades that topic's public checks, and
records: rejected (any check failed or errored), named (a diagnosis on any failing check, and which),
condition (any "Condition:" line and its text), and whether the author's guessed check was among the failures.
"""
from __future__ import annotations

import json
import pathlib
import sys
import tempfile
import time

from tests.support import grade, write_module
from tests.second_set.mutants import MUTANTS


def measure_one(mutant) -> dict:
    with tempfile.TemporaryDirectory(prefix="second_set_") as tmp:
        folder = write_module(pathlib.Path(tmp), mutant.topic, mutant.source)
        start = time.perf_counter()
        verdicts = grade(folder, mutant.topic)
        seconds = time.perf_counter() - start
    failing = {cid: v for cid, v in verdicts.items() if not v.passed}
    named = {cid: v.diagnosis for cid, v in failing.items() if v.diagnosis}
    conditions = {}
    for cid, v in failing.items():
        lines = [line.strip() for line in (v.message or "").splitlines() if line.strip().startswith("Condition:")]
        if lines:
            conditions[cid] = " | ".join(lines)
    return {
        "name": mutant.name,
        "topic": mutant.topic,
        "expected_check": mutant.fails,
        "rejected": bool(failing),
        "failing": {cid: v.outcome.value for cid, v in failing.items()},
        "expected_check_failed": mutant.fails in failing,
        "named": named,
        "conditions": conditions,
        "messages": {cid: v.message for cid, v in failing.items()},
        "seconds": round(seconds, 2),
    }


def totals(rows) -> dict:
    return {
        "copies": len(rows),
        "rejected": sum(r["rejected"] for r in rows),
        "named": sum(bool(r["named"]) for r in rows),
        "given_condition": sum(bool(r["conditions"]) for r in rows),
        "undetected": sum(not r["rejected"] for r in rows),
        "expected_check_failed": sum(r["expected_check_failed"] for r in rows),
    }


def print_table(rows, tot) -> None:
    print(f"{'name':44} {'topic':11} {'rejected':8} {'named':40} condition")
    for r in rows:
        named = ", ".join(f"{d} ({cid.split('::', 1)[1]})" for cid, d in r["named"].items()) or "-"
        cond = " || ".join(f"[{cid.split('::', 1)[1]}] {c}" for cid, c in r["conditions"].items()) or "-"
        print(f"{r['name']:44} {r['topic']:11} {'yes' if r['rejected'] else 'NO':8} {named:40} {cond}")
        if r["rejected"]:
            print(f"{'':57}failing: {', '.join(cid.split('::', 1)[1] + '=' + o for cid, o in r['failing'].items())}")
    print()
    print(f"copies: {tot['copies']}  rejected: {tot['rejected']}  named: {tot['named']}  "
          f"given a condition: {tot['given_condition']}  undetected (passed every check): {tot['undetected']}  "
          f"author's guessed check failed: {tot['expected_check_failed']}")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = [measure_one(m) for m in MUTANTS]
    tot = totals(rows)
    print_table(rows, tot)
    if argv:
        pathlib.Path(argv[0]).write_text(json.dumps({"rows": rows, "totals": tot}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
