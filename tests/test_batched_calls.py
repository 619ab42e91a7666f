"""Batched calls through the executor seam (chains, prefetch, kept caches, reused calls) and the strict
wire format, for both executors: the same results as one call at a time, at a fraction of the round trips."""
import io
import os
import struct
import sys

import numpy as np
import pytest

from dlgrade.registry import load_topic
from dlgrade.core import Previous, Ref, Rng
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.execution import inprocess as executor_module
from dlgrade.execution import wire
from dlgrade.execution.values import Foreign
from dlgrade.execution.sandbox import SandboxExecutor
from tests.mutants.conv_dropout_batchnorm import MUTANTS as LAYER_MUTANTS
from tests.mutants.mlp_optim import MUTANTS as OPTIM_MUTANTS
from tests.support import SOLUTIONS, grader, write_module

EXECUTORS = [InProcessExecutor] + ([SandboxExecutor] if sys.platform == "linux" else [])

COUNTER = """
    import time
    import numpy as np

    calls = [0]


    def step(w, dw, state, lr):
        \"\"\"Momentum-like: the state is the previous velocity; counts its calls.\"\"\"
        calls[0] += 1
        v = dw if state is None else 0.5 * state + dw
        return w - lr * v, v


    def counted():
        calls[0] += 1
        return calls[0]


    def fails_on_negative(x):
        if x < 0:
            raise ValueError("negative")
        return np.array([x])


    def loops_on_negative(x):
        while x < 0:
            pass
        return np.array([x])


    def crashes_on_negative(x):
        if x < 0:
            import ctypes
            ctypes.string_at(0)  # a segmentation fault
        return np.array([x])


    def layer(x):
        return 2 * x, {"x": x, "big": np.ones((512, 512))}


    def unlayer(dout, cache):
        return dout * 2 + 0 * cache["x"]
    """


@pytest.fixture
def submission(tmp_path):
    return write_module(tmp_path / "sub", "toy", COUNTER, base=None)


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_a_chain_threads_previous_results_like_refs(Executor, submission):
    w, grads = np.ones(3), [np.full(3, g) for g in (1.0, 2.0, -1.0)]
    with Executor(submission) as one_by_one:
        expected, state = [], None
        for g in grads:
            result = one_by_one.call("toy", "step", (w, g, state, 0.1))
            expected.append(result.value[0])
            state = Ref(result.call_id, (1,))
    with Executor(submission) as chained:
        results = chained.call_chain("toy", [("step", (w, g, None if i == 0 else Previous((1,)), 0.1))
                                             for i, g in enumerate(grads)])
    assert [r.status for r in results] == ["ok"] * 3
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got.value[0], want)


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_a_chain_stops_at_its_first_failure_and_other_chains_go_on(Executor, submission):
    with Executor(submission) as executor:
        batch = executor.call_batch("toy", [
            [("fails_on_negative", (1.0,)), ("fails_on_negative", (-1.0,)), ("fails_on_negative", (2.0,))],
            [("fails_on_negative", (3.0,))],
            [("no_such_function", ()), ("fails_on_negative", (4.0,))],
        ])
    assert [[r.status for r in chain] for chain in batch] == [["ok", "error"], ["ok"], ["missing"]]
    assert "ValueError: negative" in batch[0][1].message
    assert batch[1][0].value.tolist() == [3.0]


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_an_endless_call_in_a_batch_costs_one_deadline(Executor, submission):
    with Executor(submission) as executor:
        batch = executor.call_batch("toy", [[("loops_on_negative", (1.0,))], [("loops_on_negative", (-1.0,))],
                                            [("loops_on_negative", (2.0,))]], timeout=0.5)
        later = executor.call("toy", "loops_on_negative", (3.0,))
    assert batch[0][0].status == "ok" and batch[1][0].status == "timeout"
    # In a sandbox the child is killed, so the chains behind it come back empty; either way the
    # function is not run again.
    assert batch[2] == [] or batch[2][0].status == "timeout"
    assert later.status == "timeout" and "not run again" in later.message


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_a_kept_cache_stays_with_the_executor(Executor, submission):
    x = np.arange(4.0)
    with Executor(submission) as executor:
        forward = executor.call("toy", "layer", (x,), keep=1)
        assert forward.value[1] == executor_module.KEPT and isinstance(forward.value[1], Foreign)
        np.testing.assert_array_equal(forward.value[0], 2 * x)
        backward = executor.call("toy", "unlayer", (np.ones(4), Ref(forward.call_id, (1,))))
    assert backward.ok and backward.value.tolist() == [2.0] * 4


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_reuse_returns_the_first_result_without_calling_again(Executor, submission):
    with Executor(submission) as executor:
        first = executor.call("toy", "counted", reuse=True)
        again = executor.call("toy", "counted", reuse=True)
        fresh = executor.call("toy", "counted")
    assert first.value == again.value == 1 and fresh.value == 2


def test_held_results_are_bounded(submission, monkeypatch):
    monkeypatch.setattr(executor_module, "MAX_HELD_BYTES", 3 * 512 * 512 * 8)
    with InProcessExecutor(submission) as executor:
        results = [executor.call("toy", "layer", (np.ones(2),), keep=1) for _ in range(5)]
        oldest = executor.call("toy", "unlayer", (np.ones(2), Ref(results[0].call_id, (1,))))
        newest = executor.call("toy", "unlayer", (np.ones(2), Ref(results[-1].call_id, (1,))))
    assert oldest.status == "error" and "no longer held" in oldest.message
    assert newest.ok


def _verdicts(folder, topic, Executor):
    g = grader()
    checks = [c for c in load_topic(topic).checks if c.visibility == "public"]
    with Executor(folder) as executor:
        return {c.id: (v.outcome, v.message, v.diagnosis) for c in checks for v in [g.run(c, executor)]}


@pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's kernel guards are Linux features")
@pytest.mark.parametrize("mutant", [m for m in LAYER_MUTANTS + OPTIM_MUTANTS
                                    if m.name in ("conv_flipped_kernel", "batchnorm_swapped_momentum",
                                                  "adam_no_bias_correction", "dropout_fresh_mask_in_backward")],
                         ids=lambda m: m.name)
def test_sandboxed_and_in_process_verdicts_agree(mutant, tmp_path):
    """Every example's calls go to the executor in one batch per round; a sandbox's batches stream back, an
    in-process executor's run call by call: the verdicts are the same (speed limits aside)."""
    folder = write_module(tmp_path, mutant.topic, mutant.source)
    sandboxed, in_process = (_verdicts(folder, mutant.topic, E) for E in (SandboxExecutor, InProcessExecutor))
    assert {k: v for k, v in sandboxed.items() if "fast_enough" not in k} == \
        {k: v for k, v in in_process.items() if "fast_enough" not in k}


class CountingExecutor(InProcessExecutor):
    """Counts the batches (a sandbox's round trips) and the calls in them."""

    def __init__(self, folder):
        super().__init__(folder)
        self.batches = self.calls = 0

    def call_batch(self, topic, chains, *, timeout=10.0):
        self.batches += 1
        self.calls += sum(len(c) for c in chains)
        return super().call_batch(topic, chains, timeout=timeout)

    def call(self, *args, **kwargs):
        self.batches += 1
        self.calls += 1
        return super().call(*args, **kwargs)


def test_a_submission_costs_few_round_trips():
    """Every graded topic, public checks: the calls of all examples of a round travel together. The outcome
    checks that train something with the student's functions are apart: each training step needs the one
    before, so their calls go one at a time (an LSTM: forward and backward per step, 150 steps and a test
    forward, for each of 3 seeds; a GAN: both losses per step, 400 steps, the 3 seeds stacked in each call)."""
    from dlgrade.registry import available_topics
    from dlgrade.topics.gan import GAN
    from dlgrade.topics.lstm import RECALL, RECALL_SEEDS

    sequential = {"learns_to_remember": len(RECALL_SEEDS) * (2 * RECALL["iterations"] + 1),
                  "trains_a_gan": 2 * GAN["iterations"]}
    g = grader()
    with CountingExecutor(SOLUTIONS) as executor:
        for topic in available_topics():
            for check in load_topic(topic).checks:
                if check.visibility == "public" and check.name not in sequential:
                    assert g.run(check, executor).passed
    # ~190 round trips for ~2,300 calls over the topics; most of the round trips are speed limits' timed calls,
    # which go one at a time (20 limits, 4-8 each).
    assert executor.calls > 2000 and executor.batches <= 230, (executor.batches, executor.calls)
    for name, calls in sequential.items():
        check = next(c for t in available_topics() for c in load_topic(t).checks if c.name == name)
        with CountingExecutor(SOLUTIONS) as training:
            assert g.run(check, training).passed
        assert training.calls == training.batches == calls, (name, training.batches, training.calls)


# -- the wire: length-prefixed .npy frames, read strictly ------------------------------------------

def _message(*frames: bytes) -> bytes:
    body = b"".join(struct.pack("<Q", len(f)) + f for f in frames)
    return struct.pack("<Q", len(body)) + body


def _npy(array, **save) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, **save)
    return buffer.getvalue()


def _receive(data: bytes, cap=2**20):
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    try:
        return wire.receive(read, cap)
    finally:
        os.close(read)


def _header(arrays=0) -> bytes:
    return _npy(np.frombuffer(f'{{"arrays": {arrays}, "value": {{"a": 0}}}}'.encode(), dtype=np.uint8))


def test_the_wire_reads_what_numpy_writes():
    array = np.arange(6.0).reshape(2, 3)
    header, value = _receive(_message(_header(1), _npy(array)))
    np.testing.assert_array_equal(value, array)
    value[0, 0] = 7.0  # a private, writable copy


@pytest.mark.parametrize("frame, why", [
    (_npy(np.array([{"x": 1}], dtype=object), allow_pickle=True), "bad header"),
    (_npy(np.array(["text"])), "bad header"),
    (_npy(np.asfortranarray(np.ones((2, 3)))), "bad header"),
    (_npy(np.ones(3))[:-8], "payload does not match"),
    (b"\x80\x04pickle", "bad magic"),
])
def test_the_wire_refuses_anything_but_plain_numeric_arrays(frame, why):
    with pytest.raises(wire.WireError, match=why):
        _receive(_message(_header(1), frame))


def test_the_wire_refuses_an_oversized_message_before_reading_it():
    with pytest.raises(wire.WireError, match="over the 1024-byte limit"):
        _receive(_message(_header(1), _npy(np.ones(1000))), cap=1024)


def test_replies_go_several_to_a_message_and_come_back_apart():
    read, write = os.pipe()
    try:
        replies = wire.Replies(write)
        replies.add({"call_id": 1}, (np.arange(3.0), {"k": np.ones((2, 2))}), now=0.0)
        with pytest.raises(TypeError, match="keyed by a object"):
            replies.add({"call_id": 2}, {object(): np.zeros(4)}, now=0.0)  # nothing of it is held
        replies.add({"call_id": 3}, [np.full(2, 7.0), 1.5, None], now=0.0)
        assert len(replies) == 2
        replies.flush()
        wire.send(write, {"status": "ok"}, np.eye(2))
        reader = wire.Reader(read, cap=2**20)
        header, value = reader.receive()
        assert reader.has_message()  # both messages came in one read
        assert [h["call_id"] for h in header["replies"]] == [1, 3]
        first, second = value
        np.testing.assert_array_equal(first[0], np.arange(3.0))
        np.testing.assert_array_equal(first[1]["k"], np.ones((2, 2)))
        np.testing.assert_array_equal(second[0], np.full(2, 7.0))
        assert second[1:] == [1.5, None]
        np.testing.assert_array_equal(reader.receive()[1], np.eye(2))
        assert not reader.has_message()
    finally:
        os.close(read)
        os.close(write)


def test_the_reader_waits_for_the_rest_of_a_message_and_refuses_an_oversized_one():
    read, write = os.pipe()
    try:
        data = _message(_header(1), _npy(np.arange(4.0)))
        os.write(write, data[:11])
        reader = wire.Reader(read, cap=2**20)
        assert not reader.has_message()
        os.write(write, data[11:])
        np.testing.assert_array_equal(reader.receive()[1], np.arange(4.0))
        os.write(write, _message(_header(1), _npy(np.ones(1000))))
        with pytest.raises(wire.WireError, match="over the 1024-byte limit"):
            wire.Reader(read, cap=1024).receive()
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")
def test_a_batch_s_replies_take_fewer_messages_than_its_calls(submission, monkeypatch):
    messages = []
    receive = wire.Reader.receive
    monkeypatch.setattr(wire.Reader, "receive", lambda self: messages.append(1) or receive(self))
    with SandboxExecutor(submission) as executor:
        executor.call("toy", "fails_on_negative", (1.0,))  # starts the child
        messages.clear()
        results = executor.call_batch("toy", [[("fails_on_negative", (float(i),))] for i in range(20)])
    assert [r[0].value[0] for r in results] == list(range(20))
    assert len(messages) < 10, len(messages)


@pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")
def test_a_crash_in_a_batch_is_blamed_on_the_call_that_crashed(submission):
    """The replies held back when the child died are not lost: the calls from the first unanswered one are
    made again, each reply sent as it ends, so the right call gets the crash and the others their results."""
    xs = [1.0, 2.0, 3.0, -1.0, 5.0]
    with SandboxExecutor(submission) as executor:
        results = executor.call_batch("toy", [[("crashes_on_negative", (x,))] for x in xs])
        after = executor.call("toy", "crashes_on_negative", (6.0,))
        crashes = executor.crashes
    assert [r[0].status for r in results[:4]] == ["ok", "ok", "ok", "crashed"]
    assert [r[0].value[0] for r in results[:3]] == [1.0, 2.0, 3.0]
    assert "SIGSEGV" in results[3][0].message and results[4] == []
    assert after.ok and crashes == 1


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_previous_in_a_chains_first_call_is_an_error_not_a_crash(Executor, submission):
    with Executor(submission) as executor:
        (result,) = executor.call_chain("toy", [("step", (np.ones(2), np.ones(2), Previous((1,)), 0.1))])
        after = executor.call("toy", "fails_on_negative", (1.0,))
    assert result.status == "error" and "no previous call" in result.message
    assert after.ok


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_seeding_the_global_generator_is_seen_on_every_call(Executor, tmp_path):
    """A function given an rng that calls np.random.seed(1234) is seen each time, though after its first call
    the global state is already what that seed makes; the caller's own global state is left as it was."""
    folder = write_module(tmp_path / "sub", "toy", """
        import numpy as np

        def reseeds(x, rng):
            np.random.seed(1234)
            return x + rng.random()

        def draws_from_rng_only(x, rng):
            return x + rng.random()
        """, base=None)
    np.random.seed(7)
    before = np.random.get_state()
    with Executor(folder) as executor:
        calls = [executor.call("toy", "reseeds", (np.zeros(2), Rng(seed))) for seed in (1, 2, 3)]
        clean = executor.call("toy", "draws_from_rng_only", (np.zeros(2), Rng(4)))
    assert [c.status for c in calls] == ["ok"] * 3 and all(c.touched_global_rng for c in calls)
    assert clean.ok and not clean.touched_global_rng
    after = np.random.get_state()
    assert after[0] == before[0] and np.array_equal(after[1], before[1]) and after[2:] == before[2:]
