"""Formulas in answers: "s = d/t" states the point "speed = distance ÷ time", and
"speed = time ÷ distance" contradicts it.

A formula is read from plain text with a small parser of its own (``+ - × ÷ * / ^``,
brackets, "x" between spaces, and a letter next to a letter multiplies: "mg"). Its
operands are phrases ("thinking distance"), single letters ("d") or numbers. A typed
operand stands for a point's operand when it has the same words, when it shares the most
words with it and with no other, or when it is a letter that begins exactly one of the
point's operands' words (or that the point itself uses for it: "F = m × a (resultant
force = mass × acceleration)"). A difference of two letters stands for the point's
"change in" a quantity that the first letter begins: "r = (h - g)/t" for "rate of climb =
change in height ÷ time taken".

Two formulas say the same when they agree at random values of their operands: the point
solved for its left side, the typed relation must hold. This is an exact test for the
formulas of a card (no symbolic simplification is run) and it is bounded: a formula
longer than `MAX_FORMULA_CHARS` or with more than `MAX_OPERANDS` operands is not read,
and an answer is read for at most `MAX_FORMULAS` formulas, so the cost stays in
proportion to the answer's length.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Union

from retain.core.textnorm import fold

MAX_FORMULA_CHARS = 160
MAX_OPERANDS = 12
MAX_FORMULAS = 20

#: A parsed expression: a number, an operand's index, or (operator, left, right).
Expr = Union[float, int, tuple[str, "Expr", "Expr"]]  # noqa: UP007 (a recursive alias)

_SEGMENT = re.compile(r"[,;!?\n]|\.(?!\d)|\s+(?:and|so|but|then|because)\s+")
_ASIDE = re.compile(r"\(([^()]*=[^()]*)\)")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z][A-Za-z'’]*|[-+*/^()=%]")
_WORD_OPS = (
    (re.compile(r"\bdivided by\b"), " / "),
    (re.compile(r"\b(?:multiplied by|times)\b"), " * "),
    (re.compile(r"\bplus\b"), " + "),
    (re.compile(r"\bminus\b"), " - "),
    (re.compile(r"\bsquared\b"), " ^ 2 "),
    (re.compile(r"\bequals\b"), " = "),
)
_FILLER = frozenset(
    "the a an of in on to by its it is are was be their his her per its which".split()
)
_LEAD = frozenset("the a an its it is".split())


def _stem(word: str) -> str:
    word = word.lower().replace("’", "'").removesuffix("'s")
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class Formula:
    """One formula: its operands' words (a tuple of stems each), and its two sides (the
    left one is None for an expression without "=")."""

    operands: tuple[tuple[str, ...], ...]
    left: Expr | None
    right: Expr
    shape: str  # the formula with its operands numbered: same shape, same structure


def _normalise(text: str) -> str:
    text = fold(text).replace("÷", "/").replace("×", "*").replace("·", "*").replace("−", "-")
    text = re.sub(r"(?<=\S)\s+x\s+(?=\S)", " * ", text)
    text = text.replace("²", "^2").replace("³", "^3")
    for pattern, op in _WORD_OPS:
        text = pattern.sub(op, text)
    return text


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.toks = tokens
        self.i = 0
        self.operands: list[tuple[str, ...]] = []
        self.index: dict[tuple[str, ...], int] = {}

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def operand(self, words: tuple[str, ...]) -> int:
        at = self.index.get(words)
        if at is None:
            if len(self.operands) >= MAX_OPERANDS:
                raise ValueError("too many operands")
            at = self.index[words] = len(self.operands)
            self.operands.append(words)
        return at

    def expr(self) -> Expr:
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.toks[self.i]
            self.i += 1
            left = (op, left, self.term())
        return left

    def term(self) -> Expr:
        left = self.power()
        while True:
            tok = self.peek()
            if tok in ("*", "/"):
                self.i += 1
                left = (tok, left, self.power())
            elif tok is not None and (tok == "(" or tok[0].isalnum() or tok[0] == "%"):
                left = ("*", left, self.power())  # side by side: a product ("m a", "2(x)")
            else:
                return left

    def power(self) -> Expr:
        base = self.atom()
        if self.peek() == "^":
            self.i += 1
            exponent = self.atom()
            if not isinstance(exponent, float) or abs(exponent) > 4:
                raise ValueError("exponent")
            return ("^", base, exponent)
        return base

    def atom(self) -> Expr:
        tok = self.peek()
        if tok is None:
            raise ValueError("end")
        if tok == "(":
            self.i += 1
            inner = self.expr()
            if self.peek() != ")":
                raise ValueError("bracket")
            self.i += 1
            return inner
        if tok[0].isdigit():
            self.i += 1
            return float(tok)
        if tok[0].isalpha() or tok == "%":
            words: list[str] = []
            while (t := self.peek()) is not None and (t[0].isalpha() or t == "%"):
                words.append(t)
                self.i += 1
            return self.phrase(words)
        raise ValueError(tok)

    def phrase(self, words: list[str]) -> Expr:
        if len(words) == 1:
            return self.operand((_stem(words[0]),))  # a letter: "a" is acceleration here
        while len(words) > 1 and words[0].lower() in _LEAD:
            words = words[1:]
        stems = tuple(_stem(w) for w in words if w != "%" and w.lower() not in _FILLER)
        if not stems:
            raise ValueError("no operand")
        return self.operand(stems)


def _shape(e: Expr) -> str:
    if isinstance(e, tuple):
        return f"({_shape(e[1])}{e[0]}{_shape(e[2])})"
    return f"v{e}" if isinstance(e, int) else f"{e:g}"


def _parse(segment: str) -> Formula | None:
    text = _normalise(segment).strip()
    if len(text) > MAX_FORMULA_CHARS or not re.search(r"[-+*/^=]", text):
        return None
    tokens = _TOKEN.findall(text)
    if "".join(tokens) != re.sub(r"\s+", "", text):
        return None  # something the parser does not read
    parser = _Parser(tokens)
    try:
        first = parser.expr()
        left: Expr | None = None
        right = first
        if parser.peek() == "=":
            parser.i += 1
            left, right = first, parser.expr()
        if parser.i != len(tokens):
            return None
    except (ValueError, RecursionError):
        return None
    ops = sum(1 for t in tokens if t in "+-*/^")
    if ops == 0 and left is None:
        return None
    if not parser.operands:
        return None
    shape = (_shape(left) + "=" if left is not None else "") + _shape(right)
    return Formula(tuple(parser.operands), left, right, shape)


def formulas(text: str) -> list[Formula]:
    """The formulas `text` states, each clause of it read once (at most `MAX_FORMULAS`)."""
    out: list[Formula] = []
    asides = _ASIDE.findall(text)
    rest = _ASIDE.sub(" ", text)
    for segment in [*_SEGMENT.split(rest), *asides]:
        if len(out) >= MAX_FORMULAS:
            break
        if segment and len(segment) <= 4 * MAX_FORMULA_CHARS:
            f = _parse(segment)
            if f is not None:
                out.append(f)
    return out


def _evaluate(e: Expr, values: Sequence[float]) -> float:
    if isinstance(e, float):
        return e
    if isinstance(e, int):
        return values[e]
    op, a, b = e
    x, y = _evaluate(a, values), _evaluate(b, values)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y if y else math.nan
    if x < 0 and not y.is_integer():
        return math.nan
    try:
        return float(x**y)
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class _Card:
    """The point's formulas as one set of operands, letters tied to the phrases they
    stand for where two formulas of the point have the same shape."""

    operands: list[tuple[str, ...]]
    formula: Formula
    aliases: dict[int, int]  # operand of `formula` -> the same operand, spelt out


def _letter_of(words: tuple[str, ...]) -> set[str]:
    return {w[0] for w in words if w[0].isalpha()}


def _map(
    typed: tuple[str, ...], point: Formula, spelt: dict[int, tuple[str, ...]]
) -> int | None:
    """The point's operand that a typed operand stands for, if exactly one."""
    names = [spelt.get(i, words) for i, words in enumerate(point.operands)]
    for i, words in enumerate(point.operands):
        if typed == words or typed == names[i]:
            return i
    if len(typed) == 1 and len(typed[0]) == 1:
        letter = typed[0]
        same = [i for i, w in enumerate(point.operands) if w == (letter,)]
        if len(same) == 1:
            return same[0]
        hits = [i for i, n in enumerate(names) if letter in _letter_of(n)]
        return hits[0] if len(hits) == 1 else None
    shared = [len(set(typed) & set(n)) for n in names]
    best = max(shared, default=0)
    if best and shared.count(best) == 1:
        return shared.index(best)
    return None


def _spelt(point: Sequence[Formula], main: Formula) -> dict[int, tuple[str, ...]]:
    """The words of `main`'s operands that another formula of the same shape spells out."""
    out: dict[int, tuple[str, ...]] = {}
    for other in point:
        if other is main or other.shape != main.shape:
            continue
        for i, words in enumerate(main.operands):
            if i < len(other.operands) and len(other.operands[i]) >= len(words):
                out[i] = other.operands[i]
    return out


Verdict = Literal["same", "differs"]


def compare(point: Sequence[Formula], typed: Sequence[Formula]) -> Verdict | None:
    """Whether the typed formulas state a formula of the point ("same"), state it wrongly
    ("differs": the typed formula has every operand of the point's, and more or in
    another relation), or say nothing about it (None)."""
    found: Verdict | None = None
    for main in point:
        if main.left is None or not isinstance(main.left, int):
            continue
        spelt = _spelt(point, main)
        for t in typed:
            verdict = _compare_one(main, spelt, _changes(t, main))
            if verdict == "same":
                return "same"
            found = found or verdict
    return found


def _changes(typed: Formula, main: Formula) -> Formula:
    """`typed` with each difference of two letters read as the point's "change in" the
    quantity the first letter begins: "(h - g)" for "change in height"."""
    changes = {
        letter: words
        for words in main.operands
        if len(words) > 1 and words[0] == "change"
        for letter in _letter_of(words[1:])
    }
    if not changes:
        return typed
    operands = list(typed.operands)

    def sub(e: Expr) -> Expr:
        if not isinstance(e, tuple):
            return e
        op, a, b = e
        if op == "-" and isinstance(a, int) and isinstance(b, int):
            first, second = operands[a], operands[b]
            if (
                len(first) == 1 == len(second)
                and len(first[0]) == 1 == len(second[0])
                and first[0] in changes
            ):
                operands[a] = operands[b] = changes[first[0]]  # the two read as one
                return a
        return (op, sub(a), sub(b))

    left = sub(typed.left) if typed.left is not None else None
    right = sub(typed.right)
    if operands == list(typed.operands):
        return typed
    shape = (_shape(left) + "=" if left is not None else "") + _shape(right)
    return Formula(tuple(operands), left, right, shape)


def _compare_one(
    main: Formula, spelt: dict[int, tuple[str, ...]], typed: Formula
) -> Verdict | None:
    n = len(main.operands)
    mapping: list[int] = []
    unknown_letters = False
    for words in typed.operands:
        at = _map(words, main, spelt)
        if at is None:
            # a run of letters that are each an operand: "ma", "mg"
            if len(words) == 1 and 1 < len(words[0]) <= 3:
                letters = [_map((c,), main, spelt) for c in words[0]]
                if all(x is not None for x in letters) and len(set(letters)) == len(letters):
                    mapping.append(-1 - len(mapping))  # resolved below
                    continue
            unknown_letters = unknown_letters or (len(words) == 1 and len(words[0]) <= 2)
            at = n + len(mapping)  # an operand the point does not have
        mapping.append(at)
    typed_expr_left, typed_right, mapping = _split_runs(typed, main, spelt, mapping)
    used = {m for m in mapping if m < n}
    assert isinstance(main.left, int)
    rhs_operands = set(range(n)) - {main.left}
    if typed_expr_left is None:
        if not rhs_operands <= used or main.left in used:
            return None
    elif len(used) < 2 or not (used >= set(range(n))):
        return None
    rng = random.Random(len(main.shape) * 7919 + len(typed.shape))  # the same every time
    same = True
    for _ in range(3):
        values = [rng.uniform(1.5, 4.5) for _ in range(n + len(mapping))]
        values[main.left] = _evaluate(main.right, values)
        typed_values = [values[m] for m in mapping]
        got = _evaluate(typed_right, typed_values)
        want = (
            values[main.left]
            if typed_expr_left is None
            else _evaluate(typed_expr_left, typed_values)
        )
        if not (math.isfinite(got) and math.isfinite(want)):
            return None
        if abs(got - want) > 1e-9 * max(1.0, abs(got), abs(want)):
            same = False
    if same:
        return "same"
    return None if unknown_letters else "differs"


def _split_runs(
    typed: Formula, main: Formula, spelt: dict[int, tuple[str, ...]], mapping: list[int]
) -> tuple[Expr | None, Expr, list[int]]:
    """`typed`'s sides over operands renumbered, with each run of operand letters ("mg")
    turned into their product."""
    new_map: list[int] = []
    renumber: dict[int, Expr] = {}
    for i, m in enumerate(mapping):
        if m >= 0:
            renumber[i] = len(new_map)
            new_map.append(m)
            continue
        product: Expr | None = None
        for c in typed.operands[i][0]:
            at = _map((c,), main, spelt)
            assert at is not None
            leaf: Expr = len(new_map)
            new_map.append(at)
            product = leaf if product is None else ("*", product, leaf)
        assert product is not None
        renumber[i] = product

    def sub(e: Expr) -> Expr:
        if isinstance(e, float):
            return e
        if isinstance(e, int):
            return renumber[e]
        return (e[0], sub(e[1]), sub(e[2]))

    left = sub(typed.left) if typed.left is not None else None
    return left, sub(typed.right), new_map
