"""Checks state their calls once (a body yields them) and the driver makes every example's calls of a round in
one executor batch; each example receives exactly what it asked for, and the first failing example, in order,
is the one reported."""
from dataclasses import dataclass

import numpy as np
import pytest

from dlgrade.core import Check, Kind, Outcome, Previous, call, chain, chain_of, run_check
from dlgrade.execution.inprocess import InProcessExecutor
from tests.support import write_module

TOY = """
    import numpy as np


    def double(x):
        return 2 * x


    def fails_on_three(x):
        if x == 3:
            raise ValueError("three")
        return x


    def accumulate(total, x):
        return total + x


    def stub(x):
        raise NotImplementedError


    def scaled(x, scale):
        return x * scale.factor
    """


class Counting(InProcessExecutor):
    def __init__(self, folder):
        super().__init__(folder)
        self.batches = []

    def call_batch(self, topic, chains, *, timeout=10.0):
        self.batches.append(len(chains))
        return super().call_batch(topic, chains, timeout=timeout)


@pytest.fixture
def toy(tmp_path):
    return write_module(tmp_path / "toy_sub", "toy", TOY, base=None)


def verdict(body, cases, folder, executor=Counting):
    check = Check("toy", "double", "a_check", body, cases=tuple(cases))
    with executor(folder) as ex:
        return run_check(check, ex, oracle=None), getattr(ex, "batches", None)


def test_every_examples_calls_of_a_round_go_in_one_batch(toy):
    seen = []

    def body(ctx, case):
        first = yield call("double", x=case["x"])
        second = yield call("double", x=first.value)
        seen.append((case["x"], second.value))

    result, batches = verdict(body, [{"x": float(i)} for i in range(6)], toy)
    assert result.outcome is Outcome.PASSED
    assert batches == [6, 6]  # two rounds, six examples each: two round trips, not twelve
    assert sorted(seen) == [(float(i), 4.0 * i) for i in range(6)]


def test_a_list_and_a_chain_are_answered_in_order(toy):
    def body(ctx, case):
        a, b = yield [call("double", x=1.0), call("double", x=5.0)]
        steps = yield chain("accumulate", [{"total": 0.0, "x": 1.0}, {"total": Previous(), "x": 2.0},
                                           {"total": Previous(), "x": 3.0}])
        totals = [r.value for r in steps]
        if (a.value, b.value, totals) != (2.0, 10.0, [1.0, 3.0, 6.0]):
            ctx.fail(f"got {a.value}, {b.value}, {totals}")

    result, batches = verdict(body, [{}], toy)
    assert result.outcome is Outcome.PASSED, result.message
    assert batches == [2, 1]


def test_the_first_failing_example_in_order_is_reported(toy):
    """Example 2 fails in the first round, example 1 only in the second: example 1's failure is the verdict."""

    def body(ctx, case):
        got = yield call("double", x=case["x"])
        if case["x"] == 5.0:
            ctx.fail("the later example failed first")
        again = yield call("fails_on_three", x=got.value + 1)  # 2*1 + 1 = 3 raises for example 1
        assert again.ok

    result, _ = verdict(body, [{"x": 1.0}, {"x": 5.0}], toy)
    assert result.outcome is Outcome.ERROR
    assert "fails_on_three() raised ValueError: three" in result.message
    assert "x = 1.0" in result.message


def test_a_call_that_does_not_return_normally_ends_the_body_at_its_yield(toy):
    after = []

    def body(ctx, case):
        yield call("stub", x=1.0)
        after.append("reached")

    result, _ = verdict(body, [{}], toy)
    assert result.outcome is Outcome.NOT_IMPLEMENTED and after == []


def test_a_chain_settles_step_by_step(toy):
    """Earlier steps are judged before a later step's error ends the body."""
    judged = []

    def body(ctx, case):
        for step in (yield chain_of(call("fails_on_three", 1.0), call("fails_on_three", 3.0))):
            judged.append(step.value)

    result, _ = verdict(body, [{}], toy)
    assert judged == [1.0] and result.outcome is Outcome.ERROR


def test_a_body_that_yields_something_else_is_a_grader_bug_not_a_verdict(toy):
    def body(ctx, case):
        yield "double"

    with pytest.raises(TypeError, match="yields a call"):
        verdict(body, [{}], toy)


@dataclass(frozen=True)
class Scale(Kind, tag="test_scale"):
    """An argument kind declared outside the engine: made live on the executor's side."""

    factor: float

    def live(self, lookup):
        class Live:
            def __init__(self, factor):
                self.factor = factor

        return Live(self.factor)

    def describe(self):
        return f"Scale({self.factor})"


def test_a_kind_declared_by_a_topic_is_made_live_by_the_executor(toy):
    def body(ctx, case):
        got = yield call("scaled", x=np.ones(2), scale=Scale(3.0))
        ctx.expect(got, (np.full(2, 3.0),), ("out",))

    result, _ = verdict(body, [{}], toy)
    assert result.outcome is Outcome.PASSED, result.message


@pytest.mark.skipif(__import__("sys").platform != "linux", reason="the sandbox's kernel guards are Linux features")
def test_a_kind_declared_by_a_topic_reaches_a_sandboxed_child(toy):
    from dlgrade.execution.sandbox import SandboxExecutor

    def body(ctx, case):
        got = yield call("scaled", x=np.ones(2), scale=Scale(3.0))
        ctx.expect(got, (np.full(2, 3.0),), ("out",))

    result, _ = verdict(body, [{}], toy, executor=SandboxExecutor)
    assert result.outcome is Outcome.PASSED, result.message
