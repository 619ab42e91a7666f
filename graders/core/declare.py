"""Declaring a topic's checks.

A topic grader module builds one :class:`Topic` and declares its checks with
the helpers here; all the shared logic (calling forward then backward, random
upstream gradients, autograd, output names, diagnoses, hidden twins) lives in
this module and in checks.py, never in a topic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..execution.values import Previous
from .calls import Chain, call
from .checks import DEFAULT_EXAMPLES, Check, Mismatch, Mistake, StudentError
from .compare import ANY, DEFAULT, Tolerance, compare_returns
from .perf import Limit, limit_body


def defaults_differ(function: str, defaults: dict, problems: list, where: str = "") -> str:
    """The message of a function that, called without ``defaults``, does not behave as with them."""
    shown = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
    return (f"{function}() called without {shown} gives other results than with them, its defaults in the "
            f"contract{where}: {'; '.join(problems)}")


@dataclass
class FunctionInfo:
    name: str
    difficulty: str
    summary: str = ""


@dataclass(frozen=True)
class Practice:
    """What interview practice (``dlgrade practice``) offers on one function: hints that escalate (the idea,
    then the formula, then the shape of the code; never the code itself) and follow-up questions an
    interviewer would ask once it works, each with its answer."""

    hints: tuple[str, ...]
    questions: tuple[tuple[str, str], ...] = ()


@dataclass
class Topic:
    name: str
    title: str
    difficulty: str = "medium"
    checks: list[Check] = field(default_factory=list)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    practice: dict[str, Practice] = field(default_factory=dict)

    def extended(self, *others: "Topic") -> "Topic":
        """This topic with the checks (and functions) of ``others`` added: an instructor's own checks of a
        topic, declared in a module of their own. Neither topic is changed."""
        merged = Topic(self.name, self.title, self.difficulty, list(self.checks), dict(self.functions),
                       dict(self.practice))
        for other in others:
            taken = {c.id for c in merged.checks}
            clashes = [c.id for c in other.checks if c.id in taken]
            if clashes:
                raise ValueError(f"checks declared twice: {', '.join(clashes)} (give an added check a name of its own)")
            merged.checks += other.checks
            for name, info in other.functions.items():
                merged.functions.setdefault(name, info)
            merged.practice.update(other.practice)
        return merged

    # -- registration -------------------------------------------------------------
    def add(self, check: Check, hidden_twin: bool = True) -> Check:
        check.difficulty = check.difficulty or self._function(check.function).difficulty
        self.checks.append(check)
        if hidden_twin and check.strategy is not None and check.visibility == "public":
            self.checks.append(check.hidden_twin())
        return check

    def _function(self, function: str, difficulty: str | None = None) -> FunctionInfo:
        if function not in self.functions:
            self.functions[function] = FunctionInfo(function, difficulty or self.difficulty)
        elif difficulty:
            self.functions[function].difficulty = difficulty
        return self.functions[function]

    def about(self, function: str, summary: str, difficulty: str | None = None) -> None:
        """Say what a function is about (shown by `dlgrade list`) and how hard it is."""
        self._function(function, difficulty).summary = summary

    def hints(self, function: str, *hints: str, questions=()) -> None:
        """Declare ``function``'s practice hints, in the order they are given out, and its follow-up
        questions as (question, answer) pairs."""
        if function not in self.functions:
            raise ValueError(f"{self.name} declares no check of {function}(): declare its checks first")
        if not hints or any(not h.strip() for h in hints):
            raise ValueError(f"{function}(): hints must be non-empty text")
        self.practice[function] = Practice(tuple(hints), tuple((q, a) for q, a in questions))

    def checks_for(self, visibility: str | None = None, function: str | None = None) -> list[Check]:
        """The checks of this visibility (any, for None) and of this function (any, for None)."""
        return [c for c in self.checks if visibility in (None, c.visibility) and function in (None, c.function)]

    # -- declarations ---------------------------------------------------------------
    def check(self, function: str, name: str, *, inputs=None, cases=(), points=1.0, visibility="public",
              max_examples=DEFAULT_EXAMPLES, timeout=10.0, mistakes=(), hidden_twin=True, features=None) -> Callable:
        """Decorator for a check with its own body ``body(ctx, inputs)`` (properties, sequences): a generator
        that yields the calls it makes (``call``, ``chain``, a list of them; see calls.py) and judges what
        they return. Every example's calls of one round go to the executor in one batch."""

        def register(body):
            self._function(function)
            self.add(Check(self.name, function, name, body, inputs, tuple(cases), points, visibility,
                           max_examples=max_examples, timeout=timeout, mistakes=tuple(mistakes),
                           description=(body.__doc__ or "").strip(), features=features), hidden_twin)
            return body

        return register

    def compare(self, function: str, *, inputs=None, cases=(), oracle=None, rule=None, returns=("out",),
                 gradients=(), gradient_names=None, tol: Tolerance = DEFAULT, points=1.0, mistakes=(),
                 name="matches_torch", max_examples=DEFAULT_EXAMPLES, visibility="public", timeout=10.0, cache=False,
                 quiet=False, defaults: dict | None = None, features=None) -> Check:
        """``function(**inputs)`` returns ``returns`` (+ one gradient per name in ``gradients``).

        ``oracle`` is a torch function of the inputs (gradients by autograd with
        upstream 1, so the first output must be a scalar); ``rule`` a trusted
        numpy function giving the expected outputs exactly, where torch has none.
        ``cache``: a layer's forward, whose last output is its opaque cache.
        ``quiet``: numpy warnings (overflow, invalid value) during the call fail the check.
        ``features``: ``features(inputs) -> {name: value}``, what a failure's condition may speak of besides
        the inputs' own sizes and values (conditions.py); a yes/no feature is ``"holds ||| holds otherwise"``.
        ``defaults``: the function's trailing parameters and their contract defaults; a second check
        (:meth:`defaults_check`) calls it without them and expects what those values give.
        """
        names = tuple(returns) + tuple(gradient_names or (f"d{g}" for g in gradients)) + (("cache",) if cache else ())
        cache_at = len(names) - 1 if cache else None  # the cache stays with the executor

        def body(ctx, inputs_):
            if rule is not None:
                expected = rule(**inputs_)
                expected = expected if isinstance(expected, tuple) else (expected,)
            else:
                outputs, grads = ctx.torch(oracle, inputs_, wrt=tuple(gradients))
                expected = outputs[: len(returns)] + grads
            got = yield call(function, **inputs_, keep=cache_at)
            if quiet and got.warnings:
                ctx.fail(f"{function}() made numpy warn: {'; '.join(got.warnings)}",
                         ctx.diagnose(got.value, expected, names, function, tol, mistakes, call=got))
            ctx.expect(got, expected + ((ANY,) if cache else ()), names, tol=tol, mistakes=mistakes)

        self._function(function)
        check = self.add(Check(self.name, function, name, body, inputs, tuple(cases), points, visibility,
                               max_examples=max_examples, timeout=timeout, mistakes=tuple(mistakes),
                               features=features))
        if defaults:
            self.defaults_check(check, defaults, outputs=len(returns), keep=cache_at)
        return check

    def layer(self, name: str, *, inputs=None, cases=(), oracle, grads=("x",), outputs=("out",), differentiable=1,
              tol: Tolerance = DEFAULT, points=(1.0, 1.0), mistakes=(), max_examples=DEFAULT_EXAMPLES, timeout=10.0,
              forward_check="matches_torch", backward_check="matches_autograd",
              defaults: dict | None = None, features=None) -> tuple[Check, Check]:
        """A ``<name>_forward`` / ``<name>_backward`` pair.

        forward(**inputs) -> (*outputs, cache), compared with ``oracle(**inputs)``;
        backward(*upstream, cache) -> one gradient per name in ``grads`` (a single
        value when there is one), compared with autograd on a random upstream
        gradient for each of the first ``differentiable`` outputs. Mistakes with
        stage "backward" get the upstream gradients before the inputs.
        """
        forward, backward = f"{name}_forward", f"{name}_backward"
        outputs = tuple(outputs)
        grad_names = tuple(f"d{g}" for g in grads)
        forward_mistakes = tuple(m for m in mistakes if m.stage == "forward")
        backward_mistakes = tuple(m for m in mistakes if m.stage == "backward")

        cache_at = len(outputs)  # the cache stays with the executor; the backward gets it by Ref

        def forward_body(ctx, inputs_):
            expected, _ = ctx.torch(oracle, inputs_)
            got = yield call(forward, **inputs_, keep=cache_at)
            ctx.expect(got, expected[: len(outputs)] + (ANY,), outputs + ("cache",), tol=tol, mistakes=forward_mistakes)

        def backward_body(ctx, inputs_):
            _, upstream, expected = ctx.torch_backward(oracle, inputs_, tuple(grads), differentiable)
            try:
                named = {f"d{name}": u for name, u in zip(outputs, upstream)}  # in messages: `dout`, `dc_next`
                steps = iter((yield Chain((call(forward, **inputs_, keep=cache_at),
                                           call(backward, **named, cache=Previous((cache_at,)))))))
                value = next(steps).value
                if type(value) not in (tuple, list) or len(value) != len(outputs) + 1:
                    raise Mismatch(f"cannot check {backward}(): {forward}() must first return "
                                   f"({', '.join(outputs + ('cache',))})")
                got = next(steps)
                ctx.expect(got, expected, grad_names, tol=tol, mistakes=backward_mistakes, variant_args=upstream)
            except (Mismatch, StudentError) as exc:  # the upstream gradient is part of the failing input
                exc.shown = {f"d{name}": u for name, u in zip(outputs, upstream)}
                raise

        forward_points, backward_points = points
        self._function(forward)
        self._function(backward)
        checks = (
            self.add(Check(self.name, forward, forward_check, forward_body, inputs, tuple(cases), forward_points,
                           max_examples=max_examples, timeout=timeout, mistakes=forward_mistakes, features=features)),
            self.add(Check(self.name, backward, backward_check, backward_body, inputs, tuple(cases), backward_points,
                           max_examples=max_examples, timeout=timeout, mistakes=backward_mistakes,
                           features=features)),
        )
        if defaults:
            self.defaults_check(checks[0], defaults, outputs=len(outputs), keep=cache_at)
        return checks

    def defaults_check(self, check: Check, defaults: dict, outputs: int = 1, keep: int | None = None,
                       examples: int = 8, cases=None) -> Check:
        """On ``check``'s inputs, the function called without its trailing parameters must give what it gives
        with the contract's defaults for them (``defaults``, in signature order) passed explicitly: a default
        changed to anything else is caught here, and only here (a function wrong either way is another
        check's business). The first ``outputs`` of what it returns are compared; ``keep``: the index of a
        cache, left with the executor. ``cases``: inputs of its own, where the check's are not valid."""
        function, dropped = check.function, len(defaults)
        shown = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
        names = tuple(f"output {i + 1}" for i in range(outputs))

        def body(ctx, inputs):
            if list(inputs)[-dropped:] != list(defaults):
                raise TypeError(f"defaults of {function}() must be its trailing arguments, in order")
            full = {**inputs, **defaults}
            given, left_out = yield [call(function, **full, keep=keep),
                                     call(function, *list(full.values())[:-dropped], keep=keep)]
            first = lambda value: tuple(value[:outputs]) if type(value) in (tuple, list) else (value,)  # noqa: E731
            got = first(left_out.value)
            problems = compare_returns(got if outputs > 1 else got[0], first(given.value), names, function)
            if problems:
                ctx.fail(defaults_differ(function, defaults, problems))

        own = {"strategy": check.strategy, "cases": check.cases[:1]} if cases is None else \
            {"strategy": None, "cases": tuple(cases)}
        return self.add(Check(self.name, function, "uses_default_arguments", body, **own, points=1.0,
                              max_examples=examples, timeout=check.timeout,
                              description=f"{function}() called without {shown} behaves as with them"))

    def limit(self, function: str, *, inputs: dict, factor: float, hint: str = "", name: str = "fast_enough",
              returns=("out",), forward: str | None = None, cache_index: int = 1, differentiable: int = 1,
              cache: bool = False, points: float = 1.0, repeats: int = 3, timeout: float = 10.0) -> Check:
        """A performance limit: on ``inputs`` (one fixed case), ``function`` may take at most
        ``factor`` times the reference solution's time, and must give the reference's output.

        ``returns`` names the outputs (``cache``: the last one is an opaque cache). With
        ``forward``, ``function`` is a backward: each timed call gets a random upstream
        gradient (shaped like the forward's first ``differentiable`` outputs) and the
        cache at index ``cache_index`` of an untimed forward call's result. See perf.py.
        """
        limit = Limit(factor, hint, repeats=repeats)
        names = tuple(returns) + (("cache",) if cache else ())
        body = limit_body(function, limit, names, forward=forward, cache=cache, cache_index=cache_index,
                          differentiable=differentiable)
        self._function(function)
        return self.add(Check(self.name, function, name, body, None, (dict(inputs),), points, timeout=timeout,
                              description=f"at most {factor:g}x the reference solution's time on a stated input"))

    def layer_limits(self, name: str, *, inputs: dict, factor, hint: str = "", outputs=("out",), grads=("x",),
                     differentiable=1, points=(1.0, 1.0), check_name: str = "fast_enough") -> tuple[Check, Check]:
        """Limits on both halves of a ``<name>_forward`` / ``<name>_backward`` pair (see :meth:`layer`).

        ``factor``: one number for both, or (forward factor, backward factor).
        """
        forward_factor, backward_factor = factor if isinstance(factor, tuple) else (factor, factor)
        forward, backward = f"{name}_forward", f"{name}_backward"
        outputs = tuple(outputs)
        return (
            self.limit(forward, inputs=inputs, factor=forward_factor, hint=hint, name=check_name, returns=outputs,
                       cache=True, points=points[0]),
            self.limit(backward, inputs=inputs, factor=backward_factor, hint=hint, name=check_name,
                       returns=tuple(f"d{g}" for g in grads), forward=forward, cache_index=len(outputs),
                       differentiable=differentiable, points=points[1]),
        )


__all__ = ["Mistake", "Topic"]
