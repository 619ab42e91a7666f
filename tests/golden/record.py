"""Record every verdict of every graded topic (public and hidden) on solutions/, the stubs, each mutant and each
alternative, as plain JSON: ``python -m tests.golden.record OUT.json``. The kit's own test compares a fresh
recording with tests/golden/verdicts.json, so a change to the engine shows at once any verdict it changed."""
from __future__ import annotations

import json
import pathlib
import sys
import tempfile

from tests.support import EXERCISES, SOLUTIONS, available, grade, mutants, write_module

ALTERNATIVES = pathlib.Path(__file__).resolve().parents[1] / "alternatives"


def _plain(verdicts: dict, folder) -> dict:
    out = {}
    for cid, v in verdicts.items():
        message = v.message.replace(str(folder), "<impl>")
        out[cid] = [str(v.outcome), v.score, v.max_score, message, v.diagnosis, v.visibility]
    return out


def record(include_mutant_topics: bool = True) -> dict:
    topics = available()
    data = {"solutions": _plain(grade(SOLUTIONS, *topics, hidden=True), SOLUTIONS),
            "exercises": _plain(grade(EXERCISES, *topics, hidden=True), EXERCISES)}
    for path in sorted(ALTERNATIVES.glob("*.py")):
        if path.stem in topics:
            data[f"alternative:{path.stem}"] = _plain(grade(ALTERNATIVES, path.stem, hidden=True), ALTERNATIVES)
    for mutant in mutants():
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_module(pathlib.Path(tmp), mutant.topic, mutant.source)
            only = None if include_mutant_topics else mutant.fails
            data[f"mutant:{mutant.name}"] = _plain(grade(folder, mutant.topic, hidden=True, only=only), folder)
    return data


if __name__ == "__main__":
    pathlib.Path(sys.argv[1]).write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")
