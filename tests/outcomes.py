"""How often the reference passes the outcome checks that train something with a student's functions:
``python -m tests.outcomes lstm|gan [SEEDS]``.

Runs the check's own training loop (dlgrade.topics.lstm.train_recall, dlgrade.topics.gan.train_gan) on the
reference solutions from seeds 0 .. SEEDS-1 and prints how many pass the check's bar, the worst results, and
the CPU time per seed."""
from __future__ import annotations

import sys
import time


def _run_to_end(generator):
    """The reference's calls are made directly: its training generator never yields, it only returns."""
    try:
        next(generator)
    except StopIteration as finished:
        return finished.value
    raise RuntimeError("a reference training run yielded a call")


def reference_results(topic: str, seeds: int) -> list[tuple[int, bool, str]]:
    """[(seed, passed, what it reached)] for the reference."""
    from dlgrade.core import Context
    from dlgrade.core.perf import Side
    from dlgrade.grading.grader import ReferenceExecutor
    from dlgrade.registry import load_topic
    from dlgrade.topics import gan, lstm
    from tests.support import SOLUTIONS

    name = {"lstm": "learns_to_remember", "gan": "trains_a_gan"}[topic]
    check = next(c for c in load_topic(topic).checks if c.name == name)
    reference = ReferenceExecutor(SOLUTIONS)
    found = []
    for seed in range(seeds):
        side = Side(Context(None, None, check), reference)
        if topic == "lstm":
            accuracy = _run_to_end(lstm.train_recall(side, seed))
            found.append((seed, accuracy >= lstm.RECALL_ACCURACY, f"accuracy {accuracy:.3f}"))
        else:
            ((spread, mean),) = _run_to_end(gan.train_gan(side, (seed,)))
            ok = abs(mean - gan.TARGET_MEAN) <= gan.GAN["tolerance"] and abs(spread - gan.TARGET_STD) <= gan.GAN["tolerance"]
            found.append((seed, ok, f"mean {mean:.2f} spread {spread:.2f}"))
        reference.forget()
    return found


if __name__ == "__main__":
    topic = sys.argv[1] if len(sys.argv) > 1 else "lstm"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    start = time.process_time()
    results = reference_results(topic, count)
    passed = [r for r in results if r[1]]
    print(f"{topic}: the reference passes from {len(passed)} of {count} seeds ({len(passed) / count:.1%}); "
          f"failing: {', '.join(f'seed {s} ({what})' for s, ok, what in results if not ok) or 'none'}; "
          f"{(time.process_time() - start) / count:.2f} CPU s a seed")
