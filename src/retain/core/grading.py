"""Grading a typed answer against a card's answer points.

`grade_typed_answer` decides, point by point, whether what the student typed conveys the
point's key fact, and whether it says something that contradicts the card.

How a point is read:

* Its text becomes weighted *terms* (see `retain.core.textnorm`): numbers and dates weigh
  most, then names and named concepts (capitalised words, multi-word synonyms such as
  "general secretary"), then ordinary content words. Function words weigh nothing.
* Words the question already contains count for little, so copying the question back
  earns nothing. Words shared by many cards of the deck (``other_answers``) count for
  less than words that belong to this card alone.
* The part of a point before its first " - ", ";" or full stop is its *head*, the key
  fact; what follows is elaboration and counts for about a third.

A point is covered when the matched weight reaches a share of the point's weight, where a
long point needs no more than a few key terms (`_SATURATION`). Terms match on equal keys,
synonym groups, small misspellings (edit distance), and abbreviations (prefixes such as
"Gen Sec", "pos").

The answer is read in clauses: a clause ends at punctuation, at a list marker ("2.",
"3)") and at a conjunction that starts a new statement ("... in 1922 and got 26,000
files"), so a student may give several points in one sentence or as a numbered list.

A point is contradicted, and so not covered, when the answer gives a date or number that
the card does not have in a sentence about that point, or another point's number next to
this point's words ("melts at 24 °C" when 24 is the atomic mass); when it puts the
point's subject on the opposite side (left/right, open/closed, ...); when it states
positively what the point negates ("Lenin named a successor" against "no clear
successor"); when it turns round who did what to whom ("Kirov murdered Nikolayev",
"Kamenev expelled Stalin" on a card that asks how Stalin removed his rivals); or when it
tells a fact of another card of the deck about that card's people.

A point is not covered either when only its numbers and minor names are there, in a
clause that states something else ("Lenin died in 1925" against "He launched the Lenin
Enrolment, 1923-25"); a question that asks when is answered by its date alone.

A bare list of key words ("party secretary files agenda") covers only short points
(names, dates): longer points need the relation between the words to be stated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Literal

from rapidfuzz.distance import Levenshtein

from retain.core.model import Rating
from retain.core.textnorm import fold, tokenize

__all__ = [
    "JUDGE_THRESHOLD",
    "Grade",
    "Judge",
    "PointResult",
    "Verdict",
    "grade_typed_answer",
    "suggest_rating",
]

Verdict = Literal["correct", "partial", "incorrect"]

Judge = Callable[[str, Sequence[str], str], Sequence[float]]
"""A second opinion on paraphrase: given the question, some answer points and the typed
answer, the probability, for each point, that the typed answer conveys it."""

#: How sure a `Judge` must be before a point the words did not show counts as covered.
JUDGE_THRESHOLD = 0.7

# --- tuning -----------------------------------------------------------------------------
_COVER_SHARE = 0.5  # share of a point's (saturated) weight that must be matched
_SATURATION = 5.0  # a point never needs more matched weight than this
_MIN_MATCH = 0.9  # and never less than this (outside the question's own words)
_TAIL_FACTOR = 0.35  # weight of a point's elaboration against its head
_QUESTION_FACTOR = 0.15  # weight of words the question already has
_FIRST_NAME_FACTOR = 0.3  # leading words of a capitalised run ("Leon" Trotsky)
_W_YEAR = 3.0
_W_NUMBER = 3.0
_W_MONTH = 2.0
_W_DAY = 1.0
_W_WEAK_NUMBER = 0.5
_W_NAME = 2.0
_W_WORD = 1.0
_W_GENERIC = 0.3
_W_COMMON = 0.6
_CONTEXT = 8  # tokens either side of a number that say what it is about
_SIDE_WINDOW = 6


# --- data files ---------------------------------------------------------------------


def _data_lines(name: str) -> list[str]:
    text = resources.files("retain.core").joinpath("grading_data", name).read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _keys(phrase: str) -> tuple[str, ...]:
    return tuple(t.key for t in tokenize(phrase))


@lru_cache(maxsize=1)
def _synonyms() -> tuple[dict[str, str], dict[tuple[str, ...], str], int]:
    """Single-key synonyms -> group key, and multi-key phrases -> group key."""
    single: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    longest = 1
    for line in _data_lines("synonyms.txt"):
        members = [m.strip() for m in line.split("|") if m.strip()]
        group = "=" + "_".join(_keys(members[0]))
        for member in members:
            keys = _keys(member)
            if not keys:
                continue
            if len(keys) == 1:
                single.setdefault(keys[0], group)
            else:
                phrases.setdefault(keys, group)
                longest = max(longest, len(keys))
    return single, phrases, longest


@lru_cache(maxsize=1)
def _antonyms() -> dict[str, frozenset[str]]:
    single, _, _ = _synonyms()
    out: dict[str, set[str]] = {}
    for line in _data_lines("antonyms.txt"):
        a, b = (single.get(k, k) for k in (_keys(x.strip())[0] for x in line.split("|")))
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _generic() -> frozenset[str]:
    words: set[str] = set()
    for line in _data_lines("generic.txt"):
        words.update(_keys(line))
    return frozenset(words)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    words: set[str] = set()
    for line in _data_lines("common.txt"):
        words.update(_keys(line))
    return frozenset(words) - _generic()


# --- analysed text ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    """A token after synonym folding; `text` is what was written, `pos` its place."""

    key: str
    text: str
    pos: int
    stop: bool
    fact: bool
    cap: bool
    negated: bool
    weak: bool
    group: bool  # a multi-word synonym group
    parts: tuple[str, ...] = ()  # for a group, the keys of the words as written
    start: int = 0
    end: int = 0
    clause: int = 0  # a new clause after , ; : ( ) - and "then"
    sentence: int = 0  # a new sentence after . ; ! ?


def _analyse(text: str) -> tuple[_Tok, ...]:
    return _analyse_cached(text)


@lru_cache(maxsize=8192)
def _analyse_cached(text: str) -> tuple[_Tok, ...]:
    toks = tokenize(text)
    single, phrases, longest = _synonyms()
    out: list[_Tok] = []
    folded = fold(text)
    i = 0
    while i < len(toks):
        matched = False
        for n in range(min(longest, len(toks) - i), 1, -1):
            keys = tuple(t.key for t in toks[i : i + n])
            group = phrases.get(keys)
            if group is not None:
                first, last = toks[i], toks[i + n - 1]
                out.append(
                    _Tok(
                        group,
                        folded[first.start : last.end],
                        len(out),
                        False,
                        False,
                        True,
                        first.negated,
                        False,
                        True,
                        keys,
                        first.start,
                        last.end,
                    )
                )
                i += n
                matched = True
                break
        if matched:
            continue
        t = toks[i]
        key = t.key if t.fact or t.stop else single.get(t.key, t.key)
        out.append(
            _Tok(
                key,
                t.text,
                len(out),
                t.stop,
                t.fact,
                t.cap,
                t.negated,
                t.weak,
                False,
                (),
                t.start,
                t.end,
            )
        )
        i += 1
    return _negate(_segment(out, folded), folded)


_CONJUNCTIONS = frozenset({"and", "but", "while", "whereas", "then", "so", "because", "plus"})
_LIST_MARKER = re.compile(r"[.):]\s")


def _segment(toks: list[_Tok], folded: str) -> list[_Tok]:
    """Number the clauses and sentences of a text, and drop the markers of a numbered list.

    A clause ends at , : ( ) / and a spaced dash, and before a conjunction ("and", "then",
    "but", ...): a student who lists several points in one sentence joins them with "and".
    A comma or a conjunction that joins two names or two numbers ("Trotsky, Zinoviev and
    Kamenev", "1937 and 1938") keeps them in one clause. A list marker ("2.", "3)") opens
    a sentence and is no number.
    """
    toks = _drop_list_markers(toks, folded)
    out: list[_Tok] = []
    clause = sentence = 0
    prev_end = 0
    prev: _Tok | None = None
    for i, t in enumerate(toks):
        gap = folded[prev_end : t.start]
        low = t.text.lower()
        if prev_end and (any(c in ".;!?\n" for c in gap) or _opens_list_item(toks, i)):
            sentence += 1
            clause += 1
        elif prev_end and (
            any(c in ":)/" for c in gap)  # "X (left)": a bracket continues its clause
            or ("," in gap and not _joins_alike(prev, toks[i : i + 1]))
            or ("-" in gap and gap != "-")
            or (low in _CONJUNCTIONS and _splits(toks, i, prev))
        ):
            clause += 1
        prev_end = t.end
        if not t.stop:
            prev = t
        out.append(replace(t, clause=clause, sentence=sentence))
    return out


_NEW_SUBJECTS = frozenset({"he", "she", "it", "they", "we", "i", "you", "then"})
_PAST = frozenset("got made became had gave took went did was were".split())


def _splits(toks: Sequence[_Tok], i: int, prev: _Tok | None) -> bool:
    """Does the conjunction toks[i] start a clause? "and" does when a new subject follows
    it ("... and they release oxygen", "... on the left and Bukharin ...") or a verb in
    the past does before the next break ("... in 1922 and got 26,000 files"); "and"
    between two plain words ("negative and positive") does not."""
    after = toks[i + 1 : i + 2]
    if _joins_alike(prev, after):
        return False
    if toks[i].text.lower() not in ("and", "plus"):
        return True
    if not after:
        return False
    nxt = after[0]
    if nxt.text.lower() in _NEW_SUBJECTS or (
        _looks_like_name(nxt) and prev is not None and not _looks_like_name(prev)
    ):
        return True
    for t in toks[i + 1 : i + 6]:
        low = t.text.lower()
        if low in _CONJUNCTIONS:
            break
        if low in _PAST or (not t.stop and not t.fact and _verb(t)):
            return True
    return False


def _joins_alike(prev: _Tok | None, after: Sequence[_Tok]) -> bool:
    if prev is None or not after:
        return False
    nxt = after[0]
    return (_looks_like_name(prev) and _looks_like_name(nxt)) or (prev.fact and nxt.fact)


def _looks_like_name(tok: _Tok) -> bool:
    return not tok.stop and not tok.fact and not tok.group and tok.text[:1].isupper()


def _is_list_marker(tok: _Tok, folded: str) -> bool:
    return (
        tok.key.startswith("n")
        and tok.text.isdigit()
        and 1 <= int(tok.text) <= 20
        and _LIST_MARKER.match(folded, tok.end) is not None
    )


def _drop_list_markers(toks: list[_Tok], folded: str) -> list[_Tok]:
    """The numbers that count the items of a list ("1. ... 2. ... 3. ...") are no facts.

    A number up to 20 followed by ".", ")" or ":" is a marker when it opens the text or a
    line, or when it follows the previous marker in order."""
    out = list(toks)
    expected = 0
    for i, t in enumerate(toks):
        if not _is_list_marker(t, folded):
            continue
        value = int(t.text)
        line_start = (
            not folded[: t.start].strip() or "\n" in folded[(toks[i - 1].end if i else 0) : t.start]
        )
        if value == expected + 1 or line_start:
            out[i] = replace(t, key="#", stop=True, fact=False, weak=True)
            expected = value
    return out


def _opens_list_item(toks: Sequence[_Tok], i: int) -> bool:
    return toks[i].key == "#" and toks[i].stop


_NEGATORS = frozenset(
    {"no", "not", "never", "none", "nobody", "nothing", "neither", "nor", "without"}
)


def _negate(toks: list[_Tok], folded: str) -> tuple[_Tok, ...]:
    """Undo the negation that a synonym phrase absorbed.

    "didn't attend" is one positive word (it means "missed"): the words after it are not
    in the scope of its "n't".
    """
    del folded
    out: list[_Tok] = []
    suppress = False
    for t in toks:
        if t.group:
            has_neg = any(k in _NEGATORS or k.endswith("n't") for k in t.parts)
            out.append(replace(t, negated=False) if t.negated else t)
            suppress = has_neg or suppress
            continue
        if suppress and t.negated:
            out.append(replace(t, negated=False))
            continue
        if not t.stop:
            suppress = False
        out.append(t)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Term:
    key: str
    text: str
    weight: float
    fact: bool
    name: bool
    negated: bool
    head: bool
    pos: int
    parts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Point:
    text: str
    terms: tuple[_Term, ...]
    total: float
    head_content: int  # content terms (not facts) of weight >= 0.5 in the head
    facts: frozenset[str]
    keys: frozenset[str]
    roles: frozenset[_Role] = frozenset()


_HEAD_END = re.compile(
    r"\s[-:]\s|;|\.\s|\.$|\(|,? (?:which|who|where)\s|, (?:that|so)\b|,? (?:therefore|thus|hence)\b"
)


def _split_head(text: str) -> int:
    """Character index where a point's head ends."""
    folded = fold(text)
    m = _HEAD_END.search(folded)
    return m.start() if m else len(folded)


def _term_weight(tok: _Tok, generic: frozenset[str]) -> float:
    if tok.fact:
        kind = tok.key[0]
        if tok.weak:
            return _W_WEAK_NUMBER
        if tok.key.startswith("yy") or kind == "y":
            return _W_YEAR
        return {"m": _W_MONTH, "d": _W_DAY}.get(kind, _W_NUMBER)
    if tok.cap or (tok.group and len(tok.parts) > 1):
        return _W_NAME
    if tok.key in generic:
        return _W_GENERIC
    if tok.key in _common():
        return _W_COMMON
    return _W_WORD


_RANGE_WORDS = frozenset({"and", "to", "until", "till", "through"})


def _expand_years(facts: set[str], toks: Sequence[_Tok]) -> None:
    """Add the years inside a range ("1932-1935", "1923-25", "between 1937 and 1938",
    "from 1932 to 1935") to a set of facts. Two years that are separate facts ("in January
    1924 ... in February 1929") are no range: the years between them are not the card's."""
    years = [
        (i, int(t.key[1:]))
        for i, t in enumerate(toks)
        if t.fact and t.key.startswith("y") and t.key[1:].isdigit()
    ]
    for (i, a), (j, b) in zip(years, years[1:], strict=False):
        joined = j == i + 1 or (
            j == i + 2 and toks[i + 1].text.lower() in _RANGE_WORDS
        )
        if joined and 0 < b - a <= 12:
            facts.update(f"y{y}" for y in range(a, b + 1))


@lru_cache(maxsize=4096)
def _analyse_card(
    question: str, points: tuple[str, ...], others: tuple[tuple[str, ...], ...]
) -> _Card:
    generic = _generic()
    qtoks = _analyse(question)
    topic = _topic(qtoks)
    qkeys = frozenset(t.key for t in qtoks if not t.stop)
    qfacts: set[str] = {t.key for t in qtoks if t.fact}
    _expand_years(qfacts, qtoks)
    other_keys = [
        frozenset(t.key for p in card for t in _analyse(p) if not t.stop) for card in others
    ]
    df: dict[str, int] = {}
    for ks in other_keys:
        for k in ks:
            df[k] = df.get(k, 0) + 1
    analysed_points: list[_Point] = []
    card_facts: set[str] = set(qfacts)
    card_keys: set[str] = set(qkeys)
    for text in points:
        toks = _analyse(text)
        head_end = _split_head(text)
        folded = fold(text)
        # map token positions back to head/tail by character offset of their text
        offsets = _token_offsets(folded, toks)
        head_toks = [t for t, off in zip(toks, offsets, strict=True) if off < head_end]
        head_content = sum(1 for t in head_toks if not t.stop and not t.fact)
        head_all = sum(1 for t in head_toks if not t.stop)
        whole_is_head = head_all < 2
        terms: list[_Term] = []
        for t, off in zip(toks, offsets, strict=True):
            if t.stop:
                continue
            w = _term_weight(t, generic)
            if t.key in qkeys:
                w *= _QUESTION_FACTOR
            elif not t.fact and df:
                d = df.get(t.key, 0)
                floor = 0.5 if t.cap else 0.25
                w *= max(floor, 1.0 / (1.0 + 0.5 * d))
            head = whole_is_head or off < head_end
            if not head:
                w *= _TAIL_FACTOR
            terms.append(
                _Term(t.key, t.text, w, t.fact, t.cap or t.group, t.negated, head, t.pos, t.parts)
            )
        terms = _relative_first_names(terms, toks)
        facts: set[str] = {t.key for t in toks if t.fact and not t.weak}
        _expand_years(facts, toks)
        card_facts |= facts
        card_keys |= {t.key for t in toks if not t.stop}
        analysed_points.append(
            _Point(
                text,
                tuple(terms),
                sum(t.weight for t in terms),
                head_content if not whole_is_head else sum(1 for t in terms if not t.fact),
                frozenset(facts),
                frozenset(t.key for t in toks if not t.stop),
                _roles(toks, topic),
            )
        )
    analysed_points = _share_within_card(analysed_points)
    other_names: list[frozenset[str]] = [
        frozenset(t.key for p in card for t in _analyse(p) if t.cap and not t.stop and not t.group)
        for card in others
    ]
    card_names = frozenset(
        t.key
        for p in points
        for t in _analyse(p)
        if t.cap and not t.stop and not t.group and t.key not in qkeys and df.get(t.key, 0) < 3
    )
    return _Card(
        tuple(analysed_points),
        qkeys,
        frozenset(card_facts),
        frozenset(card_keys),
        tuple(other_keys),
        tuple(other_names),
        card_names,
        frozenset(k for k, d in df.items() if d >= 3),
        _roles(qtoks, None),
        _actors(qtoks),
        _asks_when(question),
    )


def _share_within_card(points: list[_Point]) -> list[_Point]:
    """A date that is a point of its own ("1937") says little about the card's other
    points, and a word found in several points says less about each of them."""
    solo: set[str] = set()
    for p in points:
        if p.terms and all(t.fact for t in p.terms):
            solo.update(t.key for t in p.terms)
    count: dict[str, int] = {}
    for p in points:
        for k in {t.key for t in p.terms}:
            count[k] = count.get(k, 0) + 1
    out: list[_Point] = []
    for p in points:
        own_solo = p.terms and all(t.fact for t in p.terms)
        terms: list[_Term] = []
        for t in p.terms:
            w = t.weight
            if t.key in solo and not own_solo:
                w *= 0.3
            elif not t.fact and count[t.key] > 1:
                w *= 1.0 / (1.0 + 0.25 * (count[t.key] - 1))
            terms.append(replace(t, weight=w) if w != t.weight else t)
        out.append(replace(p, terms=tuple(terms), total=sum(t.weight for t in terms)))
    return out


def _relative_first_names(terms: list[_Term], toks: Sequence[_Tok]) -> list[_Term]:
    """In a run of capitalised words ("Leon Trotsky", "Karl Radek") the last word is the
    one that must be there: the words before it weigh a fraction of it."""
    by_pos = {t.pos: i for i, t in enumerate(terms)}
    out = list(terms)
    for i, t in enumerate(terms):
        nxt = t.pos + 1
        if not (toks[t.pos].cap and not toks[t.pos].group) or nxt >= len(toks):
            continue
        if t.pos > 0 and toks[t.pos - 1].key in ("the", "a", "an"):
            continue  # "the Red Army": not a first name
        if not (toks[nxt].cap and not toks[nxt].stop and not toks[nxt].group):
            continue
        j = nxt
        while j + 1 < len(toks) and toks[j + 1].cap and not toks[j + 1].stop:
            j += 1
        last = by_pos.get(j)
        if last is not None:
            out[i] = replace(t, weight=min(t.weight, terms[last].weight) * _FIRST_NAME_FACTOR)
    return out


def _token_offsets(folded: str, toks: Sequence[_Tok]) -> list[int]:
    offsets: list[int] = []
    cursor = 0
    for t in toks:
        found = folded.find(t.text, cursor)
        if found < 0:
            found = cursor
        offsets.append(found)
        cursor = found + max(len(t.text), 1) if found >= cursor else cursor
    return offsets


@dataclass(frozen=True, slots=True)
class _Card:
    points: tuple[_Point, ...]
    question_keys: frozenset[str]
    facts: frozenset[str]
    keys: frozenset[str]
    other_keys: tuple[frozenset[str], ...]
    other_names: tuple[frozenset[str], ...]
    names: frozenset[str]  # this card's own people and places
    common: frozenset[str]  # words found in many cards of the deck
    question_roles: frozenset[_Role] = frozenset()
    actors: frozenset[str] = frozenset()  # the names the question has act
    asks_when: bool = False  # the question asks for a date: its facts are the point


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class PointResult:
    """How one answer point fared: covered or not, and which typed words matched it."""

    index: int
    text: str
    covered: bool
    matched_terms: tuple[str, ...]
    contradicted: bool
    score: float
    in_other_words: bool = False  # covered on the word of a `Judge`, not of the words


@dataclass(frozen=True)
class Grade:
    """The grade of one typed answer.

    `covered` lists the 0-based indices of the points conveyed correctly, `points` has one
    `PointResult` per answer point (for feedback), and `rating` is the suggested FSRS
    rating when the answer time is not known (see `suggest_rating`).
    """

    covered: tuple[int, ...]
    contradiction: bool
    score: float
    verdict: Verdict
    rating: Rating
    points: tuple[PointResult, ...]

    @property
    def missed(self) -> tuple[int, ...]:
        """Indices of the points the answer did not convey."""
        return tuple(p.index for p in self.points if not p.covered)

    def to_json_dict(self) -> dict[str, object]:
        """The stable JSON shape: covered, contradiction, score, verdict, rating."""
        return {
            "covered": list(self.covered),
            "contradiction": self.contradiction,
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "rating": self.rating.label,
        }


def suggest_rating(grade: Grade, duration_ms: int | None = None) -> Rating:
    """The FSRS rating a grade suggests.

    Incorrect is AGAIN; partial is HARD, or AGAIN when less than half of the answer was
    there; correct is GOOD, and EASY when it was clean (no contradiction) and quick:
    under 2.5 s per answer point plus 4 s of reading.
    """
    if grade.verdict == "incorrect":
        return Rating.AGAIN
    if grade.verdict == "partial":
        return Rating.HARD if grade.score >= 0.5 else Rating.AGAIN
    if (
        duration_ms is not None
        and not grade.contradiction
        and duration_ms <= 4000 + 2500 * max(1, len(grade.points))
    ):
        return Rating.EASY
    return Rating.GOOD


# --- matching -----------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _fuzzy(point_key: str, point_text: str, typed_key: str, typed_text: str) -> float:
    """How well a typed word matches a point word that it is not equal to (0 = not)."""
    if point_key.startswith("=") or typed_key.startswith("="):
        return 0.0
    a, b = point_text.lower(), typed_text.lower()
    la, lb = len(a), len(b)
    if la >= 4 and lb >= 4:
        limit = 1 if min(la, lb) <= 6 else 2
        if abs(la - lb) <= limit and Levenshtein.distance(a, b, score_cutoff=limit) <= limit:
            return 0.9
        ka, kb = point_key, typed_key
        if len(ka) >= 5 and len(kb) >= 5 and (ka.startswith(kb) or kb.startswith(ka)):
            return 0.85
        if min(len(ka), len(kb)) >= 6:
            lim = 1 if min(len(ka), len(kb)) <= 7 else 2
            if Levenshtein.distance(ka, kb, score_cutoff=lim) <= lim:
                return 0.85
    # abbreviation: "gen" for general, "pos" for positive, "dept" for department
    if 3 <= lb <= 4 and la >= 6 and a.startswith(b) and b.isalpha():
        return 0.75
    if 3 <= la <= 4 and lb >= 6 and b.startswith(a) and a.isalpha():
        return 0.75
    return 0.0


def _fact_match(point_key: str, typed_key: str) -> bool:
    if point_key == typed_key:
        return True
    if typed_key.startswith("yy") and point_key.startswith("y") and not point_key.startswith("yy"):
        return point_key[-2:] == typed_key[2:]
    if point_key.startswith("yy") and typed_key.startswith("y"):
        return typed_key[-2:] == point_key[2:]
    if point_key[0] in "pn" and typed_key[0] in "pn":
        return point_key[1:] == typed_key[1:]
    return False


def _in_card(fact: str, card: _Card) -> bool:
    if fact in card.facts:
        return True
    if fact.startswith("yy"):
        return any(f.startswith("y") and f[-2:] == fact[2:] for f in card.facts)
    if fact[0] in "pn":
        return f"p{fact[1:]}" in card.facts or f"n{fact[1:]}" in card.facts
    return False


def _fact_kind(key: str) -> str:
    if key.startswith("y"):
        return "y"
    if key[0] in "pn":
        return "n"
    return key[0]


@dataclass(slots=True)
class _PointMatch:
    matched: float
    matched_outside_question: float
    terms: list[str]
    positions: list[int]
    anchor_positions: list[int]
    conflict: bool = False
    keys: set[str] = field(default_factory=set)  # the point's terms that matched
    fact_positions: list[int] = field(default_factory=list)
    content_matched: float = 0.0  # matched weight of words and names of weight >= 0.5
    words_matched: int = 0  # matched words that are neither names nor numbers


def _match_point(
    point: _Point, typed: Sequence[_Tok], by_key: dict[str, list[_Tok]], bare: bool
) -> _PointMatch:
    result = _PointMatch(0.0, 0.0, [], [], [])
    content = [t for t in typed if not t.stop]
    for term in point.terms:
        best = 0.0
        best_tok: _Tok | None = None
        exact = by_key.get(term.key)
        if exact:
            best, best_tok = 1.0, exact[0]
        elif term.fact:
            for t in content:
                if t.fact and _fact_match(term.key, t.key):
                    best, best_tok = 1.0, t
                    break
        else:
            for t in content:
                if t.fact:
                    continue
                s = _fuzzy(term.key, term.text, t.key, t.text)
                if term.parts and len(term.parts) > 1 and t.key == term.parts[-1]:
                    s = max(s, 0.6)
                if s > best:
                    best, best_tok = s, t
        if best_tok is None:
            continue
        if not term.fact and term.negated != best_tok.negated and term.weight >= 0.3 and not bare:
            result.conflict = True
            continue
        result.matched += best * term.weight
        result.matched_outside_question += best * term.weight
        result.terms.append(best_tok.text)
        result.keys.add(term.key)
        result.positions.append(best_tok.pos)
        if term.weight >= 0.5 and not term.fact:
            result.anchor_positions.append(best_tok.pos)
            result.content_matched += best * term.weight
        if term.fact:
            result.fact_positions.append(best_tok.pos)
        elif not term.name and term.weight >= 0.1:
            result.words_matched += 1
    return result


def _side_conflict(point: _Point, typed: Sequence[_Tok], match: _PointMatch) -> tuple[bool, bool]:
    """(contradicted, wrong side): does the answer put this point on the opposite side?

    Each key word of the point found in the answer votes for the side word of its own
    clause, or else for the nearest side word; a word found in several clauses votes for
    the point's side when one of them has it alone (the other clauses may tell other
    facts). More votes for the opposite side is a contradiction. A point whose head *is*
    a side ("Right - ...") is not covered by an answer that names only the opposite side,
    but that alone is no contradiction.
    """
    antonyms = _antonyms()
    typed_keys = {t.key for t in typed}
    point_keys = {t.key for t in point.terms}
    for term in point.terms:
        opposites = antonyms.get(term.key)
        if not opposites or opposites & point_keys or not (opposites & typed_keys):
            continue
        own = [t for t in typed if t.key == term.key]
        wrong = [t for t in typed if t.key in opposites]
        by_pos = {t.pos: t for t in typed}
        votes_own = votes_wrong = 0
        anchor_keys = {by_pos[a].key for a in match.anchor_positions} - {term.key}
        for key in anchor_keys:
            seen: set[tuple[bool, bool]] = set()
            for tok in typed:
                if tok.key != key or tok.stop:
                    continue
                same_own = any(t.clause == tok.clause for t in own)
                same_wrong = any(t.clause == tok.clause for t in wrong)
                if same_own or same_wrong:
                    seen.add((same_own, same_wrong))
                    continue
                near_own = min((abs(tok.pos - t.pos) for t in own), default=99)
                near_wrong = min((abs(tok.pos - t.pos) for t in wrong), default=99)
                if min(near_own, near_wrong) <= _SIDE_WINDOW:
                    seen.add((near_wrong >= near_own, near_wrong < near_own))
            if (True, False) in seen:
                votes_own += 1  # one clause states it the right way round
            elif seen:
                votes_own += any(o for o, _ in seen)
                votes_wrong += any(w for _, w in seen)
        if votes_wrong > votes_own:
            return True, True
        if votes_own == 0 and not own:
            if term.head and not votes_wrong:
                return False, True
            if len(point.terms) <= 2:
                return True, True
    return False, False


def _fact_conflicts(
    card: _Card, typed: Sequence[_Tok], matches: Sequence[_PointMatch]
) -> tuple[set[int], bool]:
    """Points contradicted by a date or number the card does not have."""
    contradicted: set[int] = set()
    any_conflict = False
    typed_content = [t for t in typed if not t.stop]
    for t in typed:
        if not t.fact or t.weak or _in_card(t.key, card):
            continue
        kind = _fact_kind(t.key)
        if kind == "d":
            continue
        window = {
            u.key
            for u in typed_content
            if not u.fact and abs(u.pos - t.pos) <= _CONTEXT and u.sentence == t.sentence
        }
        candidates = [
            i for i, p in enumerate(card.points) if any(_fact_kind(f) == kind for f in p.facts)
        ]
        chosen = [i for i in candidates if window & card.points[i].keys]
        if not chosen and not (window - card.question_keys):
            chosen = candidates
        if chosen:
            contradicted.update(chosen)
            any_conflict = True
        elif kind == "y" and any(f.startswith("y") for f in card.facts) and not window - card.keys:
            any_conflict = True
    del matches
    return contradicted, any_conflict


def _other_card_conflict(card: _Card, typed: Sequence[_Tok]) -> bool:
    """The answer tells another card's fact about that card's people."""
    if not card.names:
        return False
    keys = {t.key for t in typed if not t.stop and not t.fact}
    for names, other in zip(card.other_names, card.other_keys, strict=True):
        foreign = (keys & names) - card.keys - card.common
        if not foreign:
            continue
        rest = (keys & other) - card.keys - names
        if rest:
            return True
    return False


def _names_elsewhere(
    card: _Card, i: int, m: _PointMatch, typed: Sequence[_Tok], covered: set[int]
) -> bool:
    """The point's own name is missing and a name from another point stands in its place
    ("the Union army held the south bank" against "the Confederate army held ...").

    Only names of the point's head count as its own, and a name that belongs to another
    point the answer covers is that point's ("became gen sec in 1922 and got 26,000
    files" names the first point and then gives the second)."""
    point = card.points[i]
    own = {t.key for t in point.terms if t.name and t.head and t.weight >= 0.5}
    own -= card.question_keys
    if not own:
        return False
    if own & m.keys:
        return False
    clauses = {typed[p].clause for p in m.positions}
    near = {t.key for t in typed if not t.stop and t.clause in clauses} - point.keys
    for j, other in enumerate(card.points):
        if j == i or j in covered:
            continue
        names = {t.key for t in other.terms if t.name and t.weight >= 0.5} - own
        if names & near:
            return True
    return False


# --- who does what ------------------------------------------------------------------

_Role = tuple[str, str, str]  # (name, word, "agent" | "patient" | "other")
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being", "get", "gets", "got"})
_PRONOUNS = frozenset({"he", "she", "him", "her"})
_SUBJECTS = frozenset({"he", "she", "it", "they", "we", "i", "you", "who", "which", "that"})
_PARTICIPLES = frozenset(
    """shot held led sent made kept built brought caught put set struck thrown known seen
    taken given beaten won lost found told sold paid hit cut begun done chosen driven
    forced fought wrote ran drew took gave threw stole slew bore""".split()
)
_PREPOSITIONS = frozenset(
    "of to from for with as in on at into against about among between over under".split()
)
_BY_OR_PREP = _PREPOSITIONS | {"by"}
_ASKING = frozenset({"did", "does", "do", "can", "could", "would", "will", "should"})
_ROLE_WINDOW = 3  # content words allowed between a name and its verb


def _topic(qtoks: Sequence[_Tok]) -> str | None:
    """The one person a question is about ("Who was Leon Trotsky?" -> trotsky), if any."""
    names = [t for t in qtoks if _role_name(t)]
    if not names:
        return None
    last = names[-1]
    if any(t.pos < last.pos - 1 for t in names):
        return None  # more than the run "Leon Trotsky"
    return last.key


def _role_name(tok: _Tok) -> bool:
    return (
        not tok.stop
        and not tok.fact
        and not tok.group
        and (tok.cap or tok.text[:1].isupper())
        and len(tok.text) > 1
        and not tok.text.lower().endswith("'s")
    )


def _verb(tok: _Tok) -> bool:
    """A past tense or participle: the words whose who-did-what order can be read."""
    word = tok.text.lower().split()[0]
    return (word.endswith("ed") and len(word) > 4) or word in _PARTICIPLES


def _passive(clause: Sequence[_Tok], idx: int) -> bool:
    """Is clause[idx] passive: after a form of "be" ("was (officially) expelled", "When was
    Kirov murdered"), or a name and a participle that a preposition follows, as notes
    write it ("Bukharin accused of Trotskyism")?"""
    nxt = clause[idx + 1] if idx + 1 < len(clause) else None
    if (
        nxt is not None
        and nxt.text.lower() in _BY_OR_PREP - {"to"}
        and idx > 0
        and _role_name(clause[idx - 1])
        and all(_role_name(t) or t.stop for t in clause[:idx])
    ):
        return True
    for t in reversed(clause[:idx]):
        low = t.text.lower()
        if low in _BE:
            return True
        if t.stop or _role_name(t) or low.endswith("ly"):
            continue
        return False
    return False


def _roles(toks: Sequence[_Tok], topic: str | None) -> frozenset[_Role]:
    """Who does what to whom, read from word order within each clause.

    A name before a verb is its agent (its patient when the verb is passive); a name
    right after it is its patient, after "by" its agent, and after another preposition
    neither ("other"). Only the last word of a run of names counts ("Lenin Enrolment" is
    not Lenin), and "he"/"she" stand for the question's one person."""
    out: set[_Role] = set()
    clauses: dict[int, list[_Tok]] = {}
    for t in toks:
        clauses.setdefault(t.clause, []).append(t)
    generic = _generic()
    for clause in clauses.values():
        names: list[tuple[int, str]] = []
        for k, t in enumerate(clause):
            if _role_name(t):
                nxt = clause[k + 1] if k + 1 < len(clause) else None
                if nxt is not None and _role_name(nxt) and nxt.start - t.end <= 1:
                    continue
                names.append((k, t.key))
            elif topic is not None and t.text.lower() in _PRONOUNS:
                names.append((k, topic))
        if not names:
            continue
        for k, v in enumerate(clause):
            if v.stop or v.fact or _role_name(v) or v.key in generic or not _verb(v):
                continue
            passive = _passive(clause, k)
            for n, key in names:
                lo, hi = (n + 1, k) if n < k else (k + 1, n)
                between = clause[lo:hi]
                if sum(1 for t in between if not t.stop and not _role_name(t)) > _ROLE_WINDOW:
                    continue
                if n < k and not all(_subject_gap(t) for t in between):
                    continue  # "pressure from the NKVD they confessed": not the NKVD
                if n < k:
                    role = "patient" if passive else "agent"
                else:
                    preps = [t.text.lower() for t in between if t.text.lower() in _BY_OR_PREP]
                    role = "patient" if not preps else "agent" if preps[-1] == "by" else "other"
                out.add((key, _verb_key(v.key), role))
    return frozenset(out)


def _verb_key(key: str) -> str:
    """The synonym group of a verb, also for a past tense whose stem kept an "-er" that
    the bare verb lost ("murdered" -> murder, "murder" -> murd), so that "killed" and
    "murdered" are one verb."""
    single = _synonyms()[0]
    if key.startswith("="):
        return key
    if key in single:
        return single[key]
    if key.endswith("er") and key[:-2] in single:
        return single[key[:-2]]
    return key


def _subject_gap(tok: _Tok) -> bool:
    """Can this stand between a subject and its verb ("Zinoviev and Kamenev were
    (officially) accused")?"""
    low = tok.text.lower()
    if low in _SUBJECTS:
        return False
    return tok.stop or _role_name(tok) or low.endswith("ly")


def _actors(qtoks: Sequence[_Tok]) -> frozenset[str]:
    """The names a question has act: "How did Stalin remove ..." -> stalin."""
    out: set[str] = set()
    for k, t in enumerate(qtoks[1:-1], start=1):
        if _role_name(t) and qtoks[k - 1].text.lower() in _ASKING:
            nxt = qtoks[k + 1]
            if not nxt.stop and not _role_name(nxt):
                out.add(t.key)
    return frozenset(out)


def _reversed_roles(card: _Card, i: int, m: _PointMatch, typed: Sequence[_Tok]) -> bool:
    """The answer turns round who did what to whom in this point ("Kirov murdered
    Nikolayev", "Trotsky was accused of being an agent of Zinoviev"): a name's role
    towards a verb of the point or the question differs from the card's, or the person
    the question has act ("How did Stalin remove ...") undergoes a verb of the point."""
    if not m.positions:
        return False
    point = card.points[i]
    clauses = {typed[p].clause for p in m.positions}
    mine = _roles([t for t in typed if t.clause in clauses], None)
    if not mine:
        return False
    known: dict[tuple[str, str], set[str]] = {}
    for name, word, role in point.roles | card.question_roles:
        known.setdefault((name, word), set()).add(role)
    for name, word, role in mine:
        roles = known.get((name, word))
        if roles is not None:
            if role not in roles:
                return True
            continue
        if (
            role == "patient"
            and name in card.actors
            and word in m.keys
            and not any(n == name for n, w in known if w == word)
        ):
            return True
    return False


def _asks_when(question: str) -> bool:
    q = fold(question).lower()
    return q.startswith("when") or bool(re.search(r"\b(?:what|which) (?:year|date|day)\b", q))


def _facts_in_another_statement(card: _Card, i: int, m: _PointMatch, typed: Sequence[_Tok]) -> bool:
    """Only the point's numbers (and minor words) are there, in a clause that says
    something the point does not ("Lenin died in 1925" against "He launched the Lenin
    Enrolment, 1923-25"): the numbers are reused, not the point told. A question that asks
    when is answered by its date alone."""
    point = card.points[i]
    if card.asks_when or not m.fact_positions or m.content_matched >= 0.5 or m.words_matched:
        return False
    if not any(t.head and not t.fact and t.weight >= 0.5 for t in point.terms):
        return False
    clauses = {typed[p].clause for p in m.fact_positions}
    known = point.keys | card.question_keys | _generic()
    for t in typed:
        if t.clause not in clauses or t.stop or t.fact or t.key in known:
            continue
        if any(_fuzzy(term.key, term.text, t.key, t.text) for term in point.terms):
            continue
        return True
    return False


def _misplaced_facts(card: _Card, typed: Sequence[_Tok]) -> set[int]:
    """Points whose words stand next to a number of another point of the card, while
    their own number of that kind is missing ("It melts at 24 °C" when 24 is the atomic
    mass and the melting point is 650)."""
    out: set[int] = set()
    generic = _generic()
    typed_facts = [t for t in typed if t.fact and not t.weak]
    for t in typed_facts:
        owners = [
            j for j, p in enumerate(card.points) if any(_fact_match(f, t.key) for f in p.facts)
        ]
        if not owners:
            continue
        kind = _fact_kind(t.key)
        owner_keys = frozenset().union(*(card.points[j].keys for j in owners))
        words = (
            {
                u.key
                for u in typed
                if u.clause == t.clause and not u.stop and not u.fact and u.key not in generic
            }
            - card.question_keys
            - owner_keys
        )
        if not words:
            continue
        for i, p in enumerate(card.points):
            if i in owners:
                continue
            own = [f for f in p.facts if _fact_kind(f) == kind]
            if not own:
                continue
            heavy = {x.key for x in p.terms if not x.fact and x.weight >= 0.5}
            if not words & heavy:
                continue
            if any(_fact_match(f, u.key) for f in own for u in typed_facts):
                continue
            out.add(i)
    return out


def _is_bare_list(typed: Sequence[_Tok]) -> bool:
    content = [t for t in typed if not t.stop]
    words = [t for t in content if not t.fact]
    return len(words) >= 3 and len(content) == len(typed)


def _alternatives(points: Sequence[str]) -> list[str] | None:
    if len(points) != 1:
        return None
    parts = [p.strip() for p in re.split(r"\s+/\s+|;\s*|\s+\bor\b\s+", points[0]) if p.strip()]
    return parts if len(parts) > 1 else None


# --- the grader ---------------------------------------------------------------------


def grade_typed_answer(
    question: str,
    answer_points: Sequence[str],
    typed: str,
    *,
    other_answers: Sequence[Sequence[str]] = (),
    judge: Judge | None = None,
) -> Grade:
    """Grade `typed` against `answer_points`, the points of the card asked by `question`.

    `other_answers` are the answer points of the other cards of the deck: they tell which
    words are common in the deck (and so weigh less) and which answers belong to another
    card. A one-point card whose point lists alternatives ("a / b", "a; b") accepts any.

    `judge`, when given, is asked about the points the words did not show; a point it is
    sure of (`JUDGE_THRESHOLD`) counts as covered in other words. It is never asked when
    the answer contradicts the card, restates the question, or is a bare list of words.
    """
    grade = _grade_words(question, answer_points, typed, other_answers)
    if judge is None:
        return grade
    return _second_opinion(question, typed, grade, judge)


def _second_opinion(question: str, typed_text: str, grade: Grade, judge: Judge) -> Grade:
    open_points = [p for p in grade.points if not p.covered and not p.contradicted]
    if grade.contradiction or not open_points:
        return grade
    typed = _analyse(typed_text)
    if _is_bare_list(typed):
        return grade
    question_keys = {t.key for t in _analyse(question)}
    if not any(not t.stop and t.key not in question_keys for t in typed):
        return grade
    sure = judge(question, [p.text for p in open_points], typed_text)
    rescued = {p.index for p, s in zip(open_points, sure, strict=True) if s >= JUDGE_THRESHOLD}
    if not rescued:
        return grade
    results = tuple(
        replace(p, covered=True, score=1.0, in_other_words=True) if p.index in rescued else p
        for p in grade.points
    )
    covered = tuple(p.index for p in results if p.covered)
    score = sum(1.0 if p.covered else p.score for p in results) / len(results)
    verdict: Verdict = "correct" if len(covered) == len(results) else "partial"
    out = Grade(covered, False, score, verdict, Rating.AGAIN, results)
    return replace(out, rating=suggest_rating(out))


def _grade_words(
    question: str,
    answer_points: Sequence[str],
    typed: str,
    other_answers: Sequence[Sequence[str]],
) -> Grade:
    points = tuple(answer_points)
    others = tuple(tuple(o) for o in other_answers)
    alternatives = _alternatives(points)
    if alternatives is not None:
        best: Grade | None = None
        for alt in alternatives:
            g = _grade(question, (alt,), typed, others)
            if best is None or (g.score, -g.contradiction) > (best.score, -best.contradiction):
                best = g
        assert best is not None
        only = best.points[0]
        return Grade(
            best.covered,
            best.contradiction,
            best.score,
            best.verdict,
            best.rating,
            (
                PointResult(
                    0, points[0], only.covered, only.matched_terms, only.contradicted, only.score
                ),
            ),
        )
    return _grade(question, points, typed, others)


def _grade(
    question: str, points: tuple[str, ...], typed_text: str, others: tuple[tuple[str, ...], ...]
) -> Grade:
    card = _analyse_card(question, points, others)
    typed = _analyse(typed_text)
    by_key: dict[str, list[_Tok]] = {}
    for t in typed:
        if not t.stop:
            by_key.setdefault(t.key, []).append(t)
    bare = _is_bare_list(typed)
    matches = [_match_point(p, typed, by_key, bare) for p in card.points]
    fact_contradicted, fact_conflict = _fact_conflicts(card, typed, matches)
    fact_contradicted |= _misplaced_facts(card, typed)
    contradiction = fact_conflict
    shares: list[float] = []
    conflicts: list[bool] = []
    first: set[int] = set()
    for i, (point, m) in enumerate(zip(card.points, matches, strict=True)):
        side_contradicted, wrong_side = _side_conflict(point, typed, m)
        conflict = m.conflict or i in fact_contradicted or side_contradicted
        if not conflict and _reversed_roles(card, i, m, typed):
            conflict = True
            contradiction = True
        need = max(min(point.total * _COVER_SHARE, _SATURATION * _COVER_SHARE), 1e-9)
        share = min(1.0, m.matched / (2 * need)) if point.total > 0 else 0.0
        covered = (
            not conflict
            and not wrong_side
            and m.matched >= need - 1e-9
            and m.matched_outside_question >= min(_MIN_MATCH, point.total * 0.8)
        )
        if covered and bare and point.head_content > 2:
            covered = False
        if covered and _facts_in_another_statement(card, i, m, typed):
            covered = False
        if conflict:
            share = 0.0
            contradiction = contradiction or bool(m.terms) or i in fact_contradicted
        if covered:
            first.add(i)
        shares.append(share)
        conflicts.append(conflict)
    covered_set = {i for i in first if not _names_elsewhere(card, i, matches[i], typed, first)}
    results = [
        PointResult(
            i,
            point.text,
            i in covered_set,
            tuple(dict.fromkeys(m.terms)),
            conflicts[i],
            shares[i],
        )
        for i, (point, m) in enumerate(zip(card.points, matches, strict=True))
    ]
    scores = [1.0 if r.covered else r.score for r in results]
    if _other_card_conflict(card, typed):
        contradiction = True
    covered_idx = tuple(r.index for r in results if r.covered)
    score = sum(scores) / len(scores) if scores else 0.0
    if contradiction:
        score *= 0.5
    verdict: Verdict
    if not covered_idx:
        verdict = "incorrect"
    elif len(covered_idx) == len(results) and not contradiction:
        verdict = "correct"
    else:
        verdict = "partial"
    grade = Grade(covered_idx, contradiction, score, verdict, Rating.AGAIN, tuple(results))
    return Grade(covered_idx, contradiction, score, verdict, suggest_rating(grade), tuple(results))
