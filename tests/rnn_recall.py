"""How often the reference LSTM learns the outcome check's recall task: ``python -m tests.rnn_recall [SEEDS]``.

Trains solutions/lstm.py with the check's own loop (dlgrade.topics.lstm.train_recall) from seeds 0 .. SEEDS-1
and prints how many reach the check's accuracy, the lowest accuracies, and the CPU time per seed."""
from __future__ import annotations

import sys
import time


def reference_accuracies(seeds: int) -> list[float]:
    from dlgrade.core import Context
    from dlgrade.core.perf import Side
    from dlgrade.grading.grader import ReferenceExecutor
    from dlgrade.registry import load_topic
    from dlgrade.topics.lstm import train_recall
    from tests.support import SOLUTIONS

    check = next(c for c in load_topic("lstm").checks if c.name == "learns_to_remember")
    reference = ReferenceExecutor(SOLUTIONS)
    accuracies = []
    for seed in range(seeds):
        run = train_recall(Side(Context(None, None, check), reference), seed)
        try:
            next(run)  # the reference's calls are made directly: the generator never yields
        except StopIteration as finished:
            accuracies.append(finished.value)
        reference.forget()
    return accuracies


if __name__ == "__main__":
    from dlgrade.topics.lstm import RECALL_ACCURACY

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    start = time.process_time()
    found = reference_accuracies(count)
    passed = sum(a >= RECALL_ACCURACY for a in found)
    print(f"{passed} of {count} seeds reach {RECALL_ACCURACY:.0%} ({passed / count:.1%}); lowest: "
          f"{', '.join(f'{a:.3f}' for a in sorted(found)[:5])}; "
          f"{(time.process_time() - start) / count:.2f} CPU s a seed")
