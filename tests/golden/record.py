"""Record every verdict of every graded topic on solutions/, the stubs and each alternative (public and hidden
checks) and on each mutant (its public checks: a hidden twin runs the same check on other inputs, and what it
would add is covered by the others' hidden verdicts), as plain JSON: ``python -m tests.golden.record OUT.json``. The kit's own test compares a fresh
recording with tests/golden/verdicts.json, so a change to the engine shows at once any verdict it changed."""
from __future__ import annotations

import json
import re
import pathlib
import sys
import tempfile

from tests.support import EXERCISES, SOLUTIONS, available, grade, mutants, write_module

ALTERNATIVES = pathlib.Path(__file__).resolve().parents[1] / "alternatives"


#: A speed verdict's message quotes what it measured: the verdict is recorded, its numbers are not.
_MEASURED = re.compile(r"\d+(\.\d+)?(x| s| ms)")


def _plain(verdicts: dict, folder) -> dict:
    out = {}
    for cid, v in verdicts.items():
        message = v.message.replace(str(folder), "<impl>")
        if "the reference solution's time" in message or "the reference's time" in message:
            message = _MEASURED.sub(lambda m: "#" + m.group(2), message)
        out[cid] = [str(v.outcome), v.score, v.max_score, message, v.diagnosis, v.visibility]
    return out


#: A check whose calls may take this long (seconds) trains something: a mutant's recording keeps only its own.
LONG_CHECK = 30.0


def _callers(topic: str, function: str) -> set:
    """The reference module's functions that call ``function``, directly or through others."""
    import ast

    tree = ast.parse((SOLUTIONS / f"{topic}.py").read_text())
    uses = {node.name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            for node in tree.body if isinstance(node, ast.FunctionDef)}
    found, grown = set(), {function}
    while grown:
        grown = {name for name, names in uses.items() if names & (grown | found) and name not in found} - {function}
        found |= grown
    return found


def _entry(job: tuple) -> tuple[str, dict]:
    """One recording: (name, {check id: verdict}) for the solutions, the stubs, an alternative or a mutant."""
    kind, name, include_mutant_topics = job
    topics = available()
    if kind == "solutions":
        return name, _plain(grade(SOLUTIONS, *topics, hidden=True), SOLUTIONS)
    if kind == "exercises":
        return name, _plain(grade(EXERCISES, *topics, hidden=True), EXERCISES)
    if kind == "alternative":
        return f"alternative:{name}", _plain(grade(ALTERNATIVES, name, hidden=True), ALTERNATIVES)
    mutant = next(m for m in mutants() if m.name == name)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_module(pathlib.Path(tmp), mutant.topic, mutant.source)
        function = mutant.fails.split("::")[1]
        # Its function's public checks, and those of the functions that call it (the only others whose verdicts
        # it can change: collateral changes), but for long ones (training runs).
        callers = _callers(mutant.topic, function)
        only = (lambda check: check.function == function or (check.function in callers and check.timeout < LONG_CHECK)) \
            if include_mutant_topics else mutant.fails
        return f"mutant:{mutant.name}", _plain(grade(folder, mutant.topic, hidden=False, only=only), folder)


def record(include_mutant_topics: bool = True, jobs: int | None = None) -> dict:
    """Every recording, made by ``jobs`` forked worker processes (default: one per core; 1: in this process).
    Each verdict is the same whichever process makes it: inputs are seeded per check."""
    import concurrent.futures
    import multiprocessing
    import os

    topics = available()
    work = [("solutions", "solutions", True), ("exercises", "exercises", True)]
    work += [("alternative", p.stem, True) for p in sorted(ALTERNATIVES.glob("*.py")) if p.stem in topics]
    work += [("mutant", m.name, include_mutant_topics) for m in mutants()]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        return dict(map(_entry, work))
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return dict(pool.map(_entry, work, chunksize=1))  # one at a time: the solutions take 20 s alone


if __name__ == "__main__":
    pathlib.Path(sys.argv[1]).write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")
