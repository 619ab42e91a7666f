"""Choosing checks by name, as pytest users do: topics, functions, check names and ``-k`` expressions.

A word names a topic (``conv``), a function (``relu_forward``), a check (``matches_torch``: in every function
that has one) or a check id (``conv::conv2d_forward`` or ``conv::conv2d_forward::matches_torch``); a word that
names nothing exactly chooses the checks whose names hold it (``relu``: relu_forward and relu_backward). A ``-k``
expression (``"relu and not backward"``) keeps the checks whose topic, function or check name holds each
bare word as a substring (case-insensitive), combined with ``and``, ``or``, ``not`` and parentheses.
A hidden twin (``matches_torch_hidden``) is chosen with its public check.
"""
from __future__ import annotations

import difflib
import re

from .checks import Check

HIDDEN_SUFFIX = "_hidden"


def _public_name(check: Check) -> str:
    name = check.name
    return name[: -len(HIDDEN_SUFFIX)] if check.visibility == "hidden" and name.endswith(HIDDEN_SUFFIX) else name


def _names(check: Check) -> tuple[str, str, str]:
    return check.topic, check.function, _public_name(check)


def word_matches(word: str, check: Check) -> bool:
    """Does a selection word name this check (its topic, function, check name or id)?"""
    topic, function, name = _names(check)
    if "::" in word:
        parts = word.split("::")
        return tuple(parts) == (topic, function, name)[: len(parts)]
    return word in (topic, function, name)


def word_contained(word: str, check: Check) -> bool:
    """Is the word part of one of this check's names (``relu`` in relu_forward), as in a ``-k`` expression?"""
    return "::" not in word and any(word.lower() in n.lower() for n in _names(check))


class KeywordError(ValueError):
    pass


_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class Keyword:
    """A compiled ``-k`` expression."""

    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = _TOKEN.findall(expression)
        if "".join(self.tokens) != re.sub(r"\s", "", expression):
            raise KeywordError(f"cannot read -k {expression!r}")
        if not self.tokens:
            raise KeywordError("-k needs an expression, e.g. -k \"relu and not backward\"")
        self._position = 0
        self._tree = self._or()
        if self._position != len(self.tokens):
            raise KeywordError(f"-k {expression!r}: unexpected {self.tokens[self._position]!r}")

    # grammar: or := and ("or" and)*; and := not ("and" not)*; not := "not" not | "(" or ")" | word
    def _peek(self):
        return self.tokens[self._position] if self._position < len(self.tokens) else None

    def _take(self):
        token = self._peek()
        if token is None:
            raise KeywordError(f"-k {self.expression!r} ends too early")
        self._position += 1
        return token

    def _joined(self, word: str, part):
        terms = [part()]
        while self._peek() == word:
            self._take()
            terms.append(part())
        return (word, terms) if len(terms) > 1 else terms[0]

    def _or(self):
        return self._joined("or", self._and)

    def _and(self):
        return self._joined("and", self._not)

    def _not(self):
        token = self._take()
        if token == "not":
            return ("not", self._not())
        if token == "(":
            tree = self._or()
            if self._take() != ")":
                raise KeywordError(f"-k {self.expression!r}: a '(' is not closed")
            return tree
        if token in (")", "and", "or"):
            raise KeywordError(f"-k {self.expression!r}: unexpected {token!r}")
        return ("word", token.lower())

    def matches(self, check: Check) -> bool:
        names = [n.lower() for n in _names(check)] + ["::".join(_names(check)).lower()]

        def evaluate(tree) -> bool:
            kind, value = tree
            if kind == "word":
                return any(value in n for n in names)
            if kind == "not":
                return not evaluate(value)
            results = (evaluate(t) for t in value)
            return all(results) if kind == "and" else any(results)

        return evaluate(self._tree)


def select(topics, words=(), keyword: str | None = None) -> list[Check]:
    """The checks of ``topics`` that the words name (all, without words) and the ``-k`` expression keeps.

    Raises ValueError naming a word that names nothing, with the closest names there are.
    """
    checks = [c for t in topics for c in t.checks]
    chosen = checks
    if words:
        # A word that names nothing exactly chooses the checks whose names hold it (`relu`: relu_forward, ...).
        rules = {w: word_matches if any(word_matches(w, c) for c in checks) else word_contained for w in words}
        unknown = [w for w, rule in rules.items() if not any(rule(w, c) for c in checks)]
        if unknown:
            known = sorted({n for c in checks for n in _names(c)})
            hints = [f"{w} (did you mean {', '.join(close)}?)" if (close := difflib.get_close_matches(w, known, 3))
                     else w for w in unknown]
            raise ValueError(f"no topic, function or check is named {'; '.join(hints)}")
        chosen = [c for c in checks if any(rule(w, c) for w, rule in rules.items())]
    if keyword is not None:
        rule = Keyword(keyword)
        chosen = [c for c in chosen if rule.matches(c)]
    return chosen
