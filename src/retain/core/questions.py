"""Questions in every quiz mode, built from a card's note and the rest of its deck.

A note is a question and its answer points. This module turns it into one `Question` in
one of six modes:

* ``flip``: show the question, the student recalls the answer and rates themselves.
* ``type``: the student types the answer; `expected` holds every point for the grader.
* ``choice``: four options, one right. For a multi-point answer it asks about one point.
  The three wrong options come from other cards of the same deck and are of the same
  kind as the right one (dates with dates, people with people, explanations with
  explanations; see `retain.core.kinds`).
* ``true_false``: the question with one statement, either a point of its own answer or
  a point of another card, chosen so that it is never true by accident.
* ``cloze``: one point with a key term blanked out (a date, a number or a name first).
* ``match``: five or six short question-answer pairs of the deck to pair up.

Everything is deterministic: the same note, deck and seed of the `random.Random` give
the same question. Nothing here reads the clock or the global random generator.

What "never true by accident" means here is lexical, because it can be checked: a wrong
option or a false statement never restates a point of the card (near-identical text, or
the same content words), never shares a date, number or name with the card, and never
comes from a card that asks about the same person or thing (so "How did Edison win
the contract?" takes no wrong options from "Why did Edison win the contract?").
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from retain.core.deckview import (
    Candidate,
    DeckView,
    MemoryDeck,
    NoteFacts,
    Point,
)
from retain.core.kinds import (
    KEY_KINDS,
    STOPWORDS,
    AnswerKind,
    Key,
    KeyTerm,
    content_words,
    fold,
    number_values,
    parse_date,
    restates,
    shape_of,
    stem,
)
from retain.core.model import Note, NoteId

BLANK = "_____"
"""What replaces the hidden term of a cloze question."""

CHOICE_OPTIONS = 4
MATCH_PAIRS = (5, 6)
"""A match round has six pairs when the deck allows it, and at least five."""
MATCH_ANSWER_LIMIT = 60
"""Right-hand answers of a match round are cut to about this many characters."""
CHOICE_OPTION_LIMIT = 240
"""A point longer than this is asked about in choice mode only when no shorter point of
its card gives a question: four options of that length do not fit on a small screen."""


class Mode(StrEnum):
    """How a card is asked. The value is what the review log stores."""

    FLIP = "flip"
    TYPE = "type"
    CHOICE = "choice"
    TRUE_FALSE = "true_false"
    CLOZE = "cloze"
    MATCH = "match"


class QuestionUnavailable(Exception):
    """The deck cannot give a fair question in this mode for this card (too few cards,
    nothing to blank, ...). The caller should ask in another mode."""

    def __init__(self, mode: Mode, reason: str) -> None:
        super().__init__(f"no {mode.value} question: {reason}")
        self.mode = mode
        self.reason = reason


@dataclass(frozen=True)
class Question:
    """One question, ready to show.

    * `prompt`: the question as shown. For true_false and cloze, `statement` is shown
      under it and is not repeated in it.
    * `options`: choice: four options; true_false: ``("True", "False")``; match: the
      right-hand column, shuffled. Empty in the other modes.
    * `answer`: choice and true_false: the index of the right option; cloze: the hidden
      term; match: for each pair, the index in `options` of its answer. None for flip/type.
    * `point_index`: which answer point is asked about, or None when it is all of them.
    * `expected`: the answer points the response is graded against (cloze: the term).
    * `statement`: true_false: the claim to judge; cloze: the point with its blank.
    * `pairs`, `pair_note_ids`: match: the (question, short answer) pairs in the order
      shown on the left, and the notes they come from.
    * `kind`: the kind of what is asked (choice, true_false, cloze), or None.
    """

    mode: Mode
    note_id: NoteId
    prompt: str
    options: tuple[str, ...] = ()
    answer: int | str | tuple[int, ...] | None = None
    point_index: int | None = None
    expected: tuple[str, ...] = ()
    statement: str | None = None
    pairs: tuple[tuple[str, str], ...] = ()
    pair_note_ids: tuple[NoteId, ...] = ()
    kind: AnswerKind | None = None


# ---------------------------------------------------------------------------- deck facts

_Point = Point
_Candidate = Candidate
_NoteFacts = NoteFacts

Deck = Sequence[Note] | DeckView
"""The rest of a card's deck: its notes (with or without the card's own), or a view of a
deck that a store keeps (see `retain.core.deckview`)."""


@lru_cache(maxsize=16)
def _memory_deck(notes: tuple[Note, ...]) -> MemoryDeck:
    return MemoryDeck(notes)


def _deck_of(note: Note, deck: Deck) -> tuple[DeckView, NoteFacts]:
    if isinstance(deck, Sequence):
        by_id = {n.id: n for n in deck}
        by_id[note.id] = note
        view: DeckView = _memory_deck(tuple(by_id[i] for i in sorted(by_id)))
    else:
        view = deck
    return view, view.facts([note])[0]


def _same_question(a: str, b: str) -> bool:
    """Two notes that ask the same thing (a duplicate card), not "trial of the 16/17"."""
    fa, fb = fold(a), fold(b)
    return fa == fb or (fuzz.ratio(fa, fb) >= 95 and number_values(a) == number_values(b))


_QUESTION_FILLER = frozenset(
    stem(w)
    for w in """example examples give given show explain describe describing main reason reasons
    way ways happen happened mean meant important importance role use used term terms word
    words define definition name named called part parts key factor factors""".split()
)


def _same_topic(deck: DeckView, a: str, b: str) -> bool:
    """Two questions about one topic ("What were the show trials?" and "What was the trial
    of the 16?"): they share a content word that is neither the wording of questions nor
    common to a large part of the deck ("capital" in "What is the capital of ...?")."""
    limit = max(3, deck.size // 4)
    shared = (content_words(a) & content_words(b)) - _QUESTION_FILLER
    if not shared:
        return False
    frequency = deck.question_frequency(shared)
    return any(frequency.get(w, 0) <= limit for w in shared)


def _name_keys(keys: frozenset[Key]) -> frozenset[Key]:
    return frozenset(k for k in keys if k[0] == "name")


def _restates_card(text: str, facts: _NoteFacts) -> bool:
    return any(restates(text, p.text) or restates(text, p.core) for p in facts.points)


def _clash(a: _Candidate, b: _Candidate) -> bool:
    """Two options that must not both be shown: the same fact twice, or near-copies."""
    if fold(a.text) == fold(b.text) or restates(a.text, b.text):
        return True
    if a.kind in KEY_KINDS and b.kind in KEY_KINDS:
        return bool(a.keys & b.keys)
    return False


# ---------------------------------------------------------------------------- ranking

_NEAR_KINDS: dict[AnswerKind, tuple[AnswerKind, ...]] = {
    AnswerKind.DATE: (AnswerKind.NUMBER,),
    AnswerKind.NUMBER: (AnswerKind.DATE,),
    AnswerKind.PERSON: (AnswerKind.NAME,),
    AnswerKind.NAME: (AnswerKind.PERSON, AnswerKind.TERM),
    AnswerKind.TERM: (AnswerKind.NAME, AnswerKind.EXPLANATION),
    AnswerKind.EXPLANATION: (AnswerKind.TERM,),
}


LENGTH_WEIGHT = 2.0
"""How much a wrong option's difference in length from the right one (as a log ratio)
weighs against it in `_rank`, next to at most 1.0 of randomness: an option twice or half as
long as the others gives the answer away."""


def _rank(
    candidates: Sequence[_Candidate], target: _Point, facts: _NoteFacts, rng: random.Random
) -> list[_Candidate]:
    """Best wrong options first: same kind, then near kinds, then the rest. Within a kind,
    whole answers of alike questions ("What is the capital of Japan?" for "... of France?")
    and options alike in shape and length come first, with enough randomness that the
    options vary between reviews."""
    asked = facts.asks
    question = fold(facts.note.question)
    scored: list[tuple[int, float, int, _Candidate]] = []
    for n, cand in enumerate(candidates):
        if cand.kind == target.kind:
            tier = 0
        elif cand.kind in _NEAR_KINDS[target.kind]:
            tier = 1
        else:
            tier = 2
        score = rng.random()
        score += 0.0 if cand.shape == target.shape else 1.0
        score += 0.0 if cand.asks == asked else 0.4
        if not cand.whole:  # found inside a sentence: fine for dates, less sure for names
            score += 0.3 if cand.kind in (AnswerKind.DATE, AnswerKind.NUMBER) else 1.0
        score += (100 - fuzz.token_sort_ratio(question, fold(cand.question))) / 100
        if target.kind not in KEY_KINDS:  # dates, numbers and names: their shape counts
            ratio = max(len(cand.text), 1) / max(len(target.core), 1)
            score += LENGTH_WEIGHT * min(2.0, abs(math.log(ratio)))
        scored.append((tier, score, n, cand))
    scored.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in scored]


def _wrong(
    deck: DeckView,
    facts: _NoteFacts,
    target: _Point,
    rng: random.Random,
    *,
    count: int,
    strict: bool,
    avoid: Sequence[_Candidate] = (),
) -> list[_Candidate]:
    """Up to `count` wrong options (or false statements) for `target`, best first.

    Candidates come from the other cards: the target's own kind first, then near kinds,
    then any kind. Wrong options for a key fact may be terms found inside other points;
    for an explanation they are whole points only. A candidate is dropped when it restates
    a point of the card, when it shares a date, number or name with the card (always for
    key facts, and for anything when `strict`, as true_false is), and, for explanations,
    when its card asks about the same subject. Chosen options never clash with each other
    nor with `avoid` (the right answer).
    """
    question_names = _name_keys(facts.question_keys)
    card_names = _name_keys(facts.card_keys)
    subject: dict[NoteId, bool] = {}

    def same_subject(cand: _Candidate) -> bool:
        if cand.note_id not in subject:
            subject[cand.note_id] = (
                cand.note_id == facts.note.id
                or _same_question(cand.question, facts.note.question)
                or bool(
                    _name_keys(cand.question_keys) & (card_names if strict else question_names)
                )
                or _same_topic(deck, facts.note.question, cand.question)
            )
        return subject[cand.note_id]

    def safe(cand: _Candidate) -> bool:
        if cand.note_id == facts.note.id:
            return False
        if not cand.whole and target.kind not in KEY_KINDS:
            return False
        if AnswerKind.EXPLANATION in (target.kind, cand.kind) and same_subject(cand):
            return False  # an explanation of the same subject may well be true as well
        if _same_question(cand.question, facts.note.question):
            return False
        if (strict or cand.kind in KEY_KINDS) and cand.keys & facts.card_keys:
            return False
        return not _restates_card(cand.text, facts)

    tiers = [
        (target.kind,),
        _NEAR_KINDS[target.kind],
        tuple(k for k in AnswerKind if k is not target.kind and k not in _NEAR_KINDS[target.kind]),
    ]
    chosen: list[_Candidate] = []
    for kinds in tiers:
        candidates = [c for k in kinds for c in deck.candidates(k, rng)]
        # Ranked first and checked in that order, so that only the few candidates looked
        # at before `count` are found are checked (the checks cost more than the ranking).
        for cand in _rank(candidates, target, facts, rng):
            if not safe(cand) or any(_clash(cand, c) for c in (*avoid, *chosen)):
                continue
            chosen.append(cand)
            if len(chosen) == count:
                return chosen
    return chosen


# ---------------------------------------------------------------------------- modes


def _choice_prompt(note: Note) -> str:
    if len(note.answer_points) <= 1:
        return note.question
    return f"{note.question} Which of these is part of the answer?"


_ASKED_KIND = {
    "when": AnswerKind.DATE,
    "how many": AnswerKind.NUMBER,
    "who": AnswerKind.PERSON,
}


def _focus(facts: _NoteFacts, point: _Point) -> _Point | None:
    """The fact a "When / How many / Who ...?" card asks for, if this point holds it.

    "When was Caesar murdered?" answered "By Brutus on 15 March 44 BC as ..." is best asked
    as a choice between dates. A "Who was Marie Curie?" card names its person already and
    asks for a description, so it has no focus.
    """
    kind = _ASKED_KIND.get(facts.asks)
    if kind is None:
        return None
    if point.kind is kind:
        return point
    if kind is AnswerKind.PERSON and _name_keys(facts.question_keys):
        return None
    terms = [t for t in point.terms if t.kind is kind and not t.keys & facts.question_keys]
    if len(terms) != 1:
        return None
    term = terms[0]
    shape = shape_of(kind, term.text)
    return _Point(point.index, point.text, kind, term.text, shape, point.terms, term.keys)


def _targets(facts: _NoteFacts, rng: random.Random) -> list[tuple[_Point, int, bool]]:
    """The points to ask about, in the order to try them: the card's focus first (see
    `_focus`), then the other points, each group in random order. The flag marks a focus."""
    order = [p.index for p in facts.points if p.text.strip()]
    rng.shuffle(order)
    targets = [(_focus(facts, facts.points[i]), i) for i in order]
    focused = [(t, i, True) for t, i in targets if t is not None]
    others = [(facts.points[i], i, False) for t, i in targets if t is None]
    return focused + others


def _build_choice(deck: DeckView, facts: _NoteFacts, rng: random.Random) -> Question:
    note = facts.note
    if not facts.points:
        raise QuestionUnavailable(Mode.CHOICE, "the card has no answer")
    targets = _targets(facts, rng)
    targets.sort(key=lambda t: len(t[0].core) > CHOICE_OPTION_LIMIT)  # stable: long ones last
    for target, i, is_focus in targets:
        right = _Candidate(
            target.core,
            target.kind,
            target.shape,
            target.keys,
            note.id,
            facts.asks,
            True,
            note.question,
        )
        chosen = _wrong(
            deck, facts, target, rng, count=CHOICE_OPTIONS - 1, strict=False, avoid=(right,)
        )
        if len(chosen) < CHOICE_OPTIONS - 1:
            continue
        options = [c.text for c in chosen]
        answer = rng.randrange(CHOICE_OPTIONS)
        options.insert(answer, target.core)
        return Question(
            Mode.CHOICE,
            note.id,
            note.question if is_focus else _choice_prompt(note),
            options=tuple(options),
            answer=answer,
            point_index=i,
            expected=(target.text,),
            kind=target.kind,
        )
    raise QuestionUnavailable(
        Mode.CHOICE, f"the deck has fewer than {CHOICE_OPTIONS - 1} safe wrong options"
    )


def _build_true_false(deck: DeckView, facts: _NoteFacts, rng: random.Random) -> Question:
    note = facts.note
    if not facts.points:
        raise QuestionUnavailable(Mode.TRUE_FALSE, "the card has no answer")
    targets = _targets(facts, rng)
    truth = rng.random() < 0.5
    for target, i, is_focus in targets:
        pool = _wrong(deck, facts, target, rng, count=1, strict=True)
        if not pool:
            continue
        statement = target.core if truth else pool[0].text
        if len(note.answer_points) <= 1 or is_focus:
            prompt = f"True or false? {note.question}"
        else:
            prompt = f"True or false? {note.question} Is this part of the answer?"
        return Question(
            Mode.TRUE_FALSE,
            note.id,
            prompt,
            options=("True", "False"),
            answer=0 if truth else 1,
            point_index=i,
            expected=note.answer_points,
            statement=statement,
            kind=target.kind if truth else pool[0].kind,
        )
    raise QuestionUnavailable(
        Mode.TRUE_FALSE, "no other card gives a statement that is surely false"
    )


_WEAK_WORDS = frozenset(
    """many much made make makes like well even ever every still back also often
    therefore however thus hence although though whereas being became become""".split()
)


@dataclass(frozen=True)
class _Blank:
    point: int
    text: str
    kind: AnswerKind
    start: int
    end: int


def _blanks(deck: DeckView, facts: _NoteFacts) -> list[tuple[float, _Blank]]:
    """Terms worth blanking, with a cost (lower is better): dates and numbers, then names,
    then rare long words; never a term the question gives away."""
    question = fold(facts.note.question)
    question_words = content_words(facts.note.question)
    several = len(facts.points) > 1

    def context(p: _Point, start: int, end: int) -> str:
        return fold(p.text[:start] + " " + p.text[end:])

    # What the other points look like with a key term taken out: a blank whose remaining
    # text is one of these ("_____ - right" among six opponents) has several answers.
    other_contexts = {
        (p.index, context(p, t.start, t.end)) for p in facts.points for t in _point_terms(p)
    }
    wanted: set[str] = set()
    for p in facts.points:
        for term in _point_terms(p):
            wanted |= content_words(term.text)
        wanted.update(stem(fold(m.group(0))) for m in re.finditer(r"[^\W\d_][\w'’-]*", p.text))
    note_frequency = deck.note_frequency(wanted)
    out: list[tuple[float, _Blank]] = []
    for p in facts.points:
        found = False
        if not p.text.strip():
            continue
        for term in _point_terms(p):
            if term.keys & facts.question_keys or f" {fold(term.text)} " in f" {question} ":
                continue
            rest = context(p, term.start, term.end)
            if several and (
                len(content_words(rest)) < 2
                or any(i != p.index and c == rest for i, c in other_contexts)
            ):
                continue  # too little left to tell which point, or which term, is meant
            cost = 0.0 if term.kind in (AnswerKind.DATE, AnswerKind.NUMBER) else 1.0
            if term.kind in (AnswerKind.PERSON, AnswerKind.NAME):
                uses = sum(note_frequency.get(w, 0) for w in content_words(term.text))
                cost += min(0.8, 0.1 * uses)
            out.append((cost, _Blank(p.index, term.text, term.kind, term.start, term.end)))
            found = True
        if found:
            continue
        inside_terms = [(t.start, t.end) for t in p.terms]
        for m in re.finditer(r"[^\W\d_][\w'’-]*", p.text):
            word = m.group(0)
            folded = fold(word)
            if (
                len(folded) < 4
                or folded in STOPWORDS
                or folded in _WEAK_WORDS
                or stem(folded) in question_words
                or any(s <= m.start() < e for s, e in inside_terms)
            ):
                continue
            uses = note_frequency.get(stem(folded), 1)
            cost = 2.0 + min(1.0, 0.15 * uses) + max(0.0, 0.5 - 0.05 * len(folded))
            out.append((cost, _Blank(p.index, word, AnswerKind.TERM, m.start(), m.end())))
    if not out and len(facts.points) == 1 and fold(facts.points[0].text):
        # "der Hund" -> "the dog": nothing to blank inside, so the whole answer is asked
        p = facts.points[0]
        start = p.text.index(p.text.strip())
        end = start + len(p.text.strip())
        out.append((3.0, _Blank(0, p.text.strip(), p.kind, start, end)))
    return out


def _point_terms(p: _Point) -> tuple[KeyTerm, ...]:
    """The key terms of a point; a point that is one key fact is one term as a whole
    ("Leonardo da Vinci", not "Vinci")."""
    if p.kind in KEY_KINDS and p.core:
        start = p.text.find(p.core)
        if start >= 0:
            return (KeyTerm(p.core, p.kind, start, start + len(p.core), p.keys),)
    return p.terms


def _build_cloze(deck: DeckView, facts: _NoteFacts, rng: random.Random) -> Question:
    note = facts.note
    blanks = _blanks(deck, facts)
    if not blanks:
        raise QuestionUnavailable(Mode.CLOZE, "no term in the answer is worth blanking")
    scored = sorted(
        ((cost + rng.random() * 0.6, n, blank) for n, (cost, blank) in enumerate(blanks)),
        key=lambda t: (t[0], t[1]),
    )
    blank = scored[0][2]
    point = note.answer_points[blank.point]
    pattern = re.compile(r"(?<!\w)" + re.escape(blank.text) + r"(?!\w)", re.IGNORECASE)
    shown = pattern.sub(BLANK, point)
    if BLANK not in shown:  # the term touches other word characters ("15thPC")
        shown = point[: blank.start] + BLANK + point[blank.end :]
    return Question(
        Mode.CLOZE,
        note.id,
        note.question,
        answer=blank.text,
        point_index=blank.point,
        expected=(blank.text,),
        statement=shown,
        kind=blank.kind,
    )


def _truncate(text: str, limit: int = MATCH_ANSWER_LIMIT) -> str:
    text = " ".join(text.split()).rstrip(" .")
    if len(text) <= limit:
        return text
    for sep in (" - ", " – ", " — ", "; ", ": ", ". ", ", "):
        head = text.split(sep, 1)[0].rstrip(" ,.;:")
        if 12 <= len(head) <= limit and len(head.split()) >= 2:
            return head
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return cut + "…"


def short_answer(note: Note, deck_notes: Deck = ()) -> str:
    """A short form of a note's answer, for a match round.

    The fact a When / How many / Who question asks for, else the first key fact ("January
    1924", "Marie Curie"), else the shortest point if that is short, else the first point
    cut at a clause ("He became General Secretary of the Party in 1922").
    """
    _, facts = _deck_of(note, deck_notes)
    return _short_answer(facts)


def _short_answer(facts: _NoteFacts) -> str:
    for p in facts.points:
        focus = _focus(facts, p)
        if focus is not None:
            return focus.core  # "When was Caesar murdered?" -> "15 March 44 BC"
    for p in facts.points:
        if p.kind in KEY_KINDS:
            return p.core
    if not facts.points:
        return ""
    shortest = min(facts.points, key=lambda p: len(p.text))
    if len(shortest.text.strip()) <= MATCH_ANSWER_LIMIT:
        return shortest.text.strip().rstrip(".")
    return _truncate(facts.points[0].text)


def _build_match(deck: DeckView, facts: _NoteFacts, rng: random.Random) -> Question:
    def invites(answer: str, other: _NoteFacts) -> bool:
        """The answer names what the other pair's question is about ("Marie Curie" beside
        "Who was Marie Curie?"), and so looks like its pair."""
        words = content_words(answer)
        return bool(words) and words <= content_words(other.note.question)

    def distinct(answer: str, other: _NoteFacts, taken: list[tuple[_NoteFacts, str]]) -> bool:
        return bool(answer) and not any(
            fold(answer) == fold(a)
            or restates(answer, a)
            or _same_question(other.note.question, f.note.question)
            or invites(answer, f)
            or invites(a, other)
            for f, a in taken
        )

    chosen: list[tuple[_NoteFacts, str]] = [(facts, _short_answer(facts))]
    if not chosen[0][1]:
        raise QuestionUnavailable(Mode.MATCH, "the card has no answer")
    others = deck.facts(deck.other_notes(facts.note.id, rng))
    for other in others:
        answer = _short_answer(other)
        if distinct(answer, other, chosen):
            chosen.append((other, answer))
            if len(chosen) == MATCH_PAIRS[-1]:
                break
    if len(chosen) < MATCH_PAIRS[0]:
        raise QuestionUnavailable(
            Mode.MATCH,
            f"the deck has fewer than {MATCH_PAIRS[0]} cards with distinct short answers",
        )
    rng.shuffle(chosen)
    order = list(range(len(chosen)))
    while True:
        rng.shuffle(order)
        if order != sorted(order):
            break
    options = tuple(chosen[j][1] for j in order)
    positions = tuple(order.index(i) for i in range(len(chosen)))
    return Question(
        Mode.MATCH,
        facts.note.id,
        "Match each question with its answer.",
        options=options,
        answer=positions,
        expected=tuple(a for _, a in chosen),
        pairs=tuple((f.note.question, a) for f, a in chosen),
        pair_note_ids=tuple(f.note.id for f, _ in chosen),
    )


def build_question(
    mode: Mode | str, note: Note, deck_notes: Deck, rng: random.Random
) -> Question:
    """Build a question about `note` in `mode`.

    `deck_notes` are the notes of its deck (with or without `note` itself), or a
    `DeckView` of it; wrong options and match pairs come from them. Raises
    `QuestionUnavailable` when the deck cannot give a fair question in that mode, and
    ValueError for an unknown mode.
    """
    mode = Mode(mode)
    if mode in (Mode.FLIP, Mode.TYPE):  # the card alone: nothing from the deck
        return Question(mode, note.id, note.question, expected=note.answer_points)
    deck, facts = _deck_of(note, deck_notes)
    if mode is Mode.CHOICE:
        return _build_choice(deck, facts, rng)
    if mode is Mode.TRUE_FALSE:
        return _build_true_false(deck, facts, rng)
    if mode is Mode.CLOZE:
        return _build_cloze(deck, facts, rng)
    return _build_match(deck, facts, rng)


# ---------------------------------------------------------------------------- default mode

SHORT_TYPED_ANSWER = 300
"""Answers longer than this (all points together) are flipped rather than typed."""


def is_short_fact(note: Note, deck_notes: Deck = ()) -> bool:
    """One point that is a date, a number, a name or a short term."""
    _, facts = _deck_of(note, deck_notes)
    return len(facts.points) == 1 and facts.points[0].kind is not AnswerKind.EXPLANATION


def available(mode: Mode | str, note: Note, deck_notes: Deck) -> bool:
    """Whether `build_question(mode, ...)` gives a question for this note.

    Tried with a fixed seed: whether enough safe wrong options, a term to blank or enough
    match pairs exist depends on the deck, not on the seed (a seed only orders them)."""
    try:
        build_question(mode, note, deck_notes, random.Random(0))
    except QuestionUnavailable:
        return False
    return True


def choose_mode(
    note: Note, deck_notes: Deck, *, review_count: int, rng: random.Random
) -> Mode:
    """The mode to ask a card in by default: recognition first, then recall.

    * A new card (`review_count` 0) is asked as ``choice``: recognising the answer among
      four is the gentlest first contact. If the deck is too small, ``true_false``, then
      ``flip``.
    * A short single fact (a date, a number, a name, a short term) is then ``type``d:
      recall is what counts, and typing it costs a few keystrokes.
    * A long or multi-point answer gets one in-between step on its second review: a
      ``cloze`` or a ``true_false`` (even odds), then it is ``type``d when the whole answer
      is short enough to type (at most 3 points and 300 characters) and ``flip``ped
      otherwise.

    Whatever the rule picks, a mode the deck cannot serve falls back to the next one in
    the list (``flip`` always works). ``match`` is a deck-wide round the student starts,
    never a card's default.
    """
    if review_count < 0:
        raise ValueError(f"review_count must be >= 0, got {review_count}")
    short = is_short_fact(note, deck_notes)
    total = sum(len(p) for p in note.answer_points)
    typable = len(note.answer_points) <= 3 and total <= SHORT_TYPED_ANSWER
    if review_count == 0:
        wanted = [Mode.CHOICE, Mode.TRUE_FALSE]
    elif short:
        wanted = [Mode.TYPE]
    elif review_count == 1:
        wanted = (
            [Mode.CLOZE, Mode.TRUE_FALSE] if rng.random() < 0.5 else [Mode.TRUE_FALSE, Mode.CLOZE]
        )
    else:
        wanted = [Mode.TYPE] if typable else []
    for mode in wanted:
        if mode in (Mode.FLIP, Mode.TYPE) or available(mode, note, deck_notes):
            return mode
    return Mode.FLIP


# ---------------------------------------------------------------------------- checking

_ARTICLES = re.compile(r"^(?:the|a|an|le|la|les|l|der|die|das|el|los|las) ")


def _allowed_edits(length: int) -> int:
    if length <= 3:
        return 0
    if length <= 7:
        return 1
    if length <= 12:
        return 2
    return 3


def _numeric_dates(text: str) -> list[tuple[int, int, int]]:
    m = re.search(r"\b(\d{1,2})\D+(\d{1,2})\D+(\d{4})\b", text)
    if not m:
        return []
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return [(year, b, a), (year, a, b)]


def matches_term(expected: str, typed: str) -> bool:
    """Whether a typed term is the expected one, tolerantly.

    Case, accents, punctuation, a leading article and small typos do not matter (one
    edit in a short word, more in a long one). Numbers must be the same numbers ("22" for
    "22%", "35000" for "35,000"). Dates must agree on every part the expected date has:
    "1 December 1934", "Dec 1, 1934" and "1/12/1934" all match "1st Dec 1934". For a
    person's full name the surname alone is enough.
    """
    e, t = fold(expected), fold(typed)
    if not e:  # nothing but punctuation
        return bool(expected.strip()) and typed.strip() == expected.strip()
    if not t:
        return False
    if e == t:
        return True
    if any(c.isdigit() for c in e):
        when = parse_date(expected)
        if when is not None and when[1] is not None:
            candidates: list[tuple[int | None, int | None, int | None]] = list(_numeric_dates(t))
            parsed = parse_date(typed)
            if parsed is not None:
                candidates.append(parsed)
            return any(
                all(want is None or want == got for want, got in zip(when, cand, strict=True))
                for cand in candidates
            )
        expected_numbers = number_values(expected)
        typed_numbers = number_values(typed)
        if re.search(r"\d\s*[-/]\s*\d{2}\b", expected):  # a range of years: 1923-25
            return _years(expected) == _years(typed)
        return expected_numbers == typed_numbers
    e, t = _ARTICLES.sub("", e), _ARTICLES.sub("", t)
    if e == t or Levenshtein.distance(e, t) <= _allowed_edits(len(e)):
        return True
    words = expected.split()
    if len(words) >= 2 and all(w[:1].isupper() for w in words):
        surname = fold(words[-1])
        return Levenshtein.distance(surname, t) <= _allowed_edits(len(surname))
    return False


def _years(text: str) -> frozenset[str]:
    years = set(re.findall(r"(?<!\d)(?:1\d{3}|20\d{2})(?!\d)", text))
    for m in re.finditer(r"(1\d{3}|20\d{2})\s*[-/]\s*(\d{2})\b", text):
        years.add(m.group(1)[:2] + m.group(2))
    return frozenset(years)


def check(question: Question, response: object) -> bool | None:
    """Whether a response is right, for the modes that have one right answer.

    * choice / true_false: the index of the chosen option (or its text).
    * cloze: the typed term (see `matches_term`).
    * match: for each pair, in order, the index of the chosen option; or a mapping from
      pair index to option index.
    * flip / type: None; those are rated by the student or graded point by point.
    """
    if question.mode in (Mode.FLIP, Mode.TYPE):
        return None
    if question.mode in (Mode.CHOICE, Mode.TRUE_FALSE):
        assert isinstance(question.answer, int)
        if isinstance(response, bool):
            if question.mode is Mode.TRUE_FALSE:
                return response is (question.answer == 0)
            return False
        if isinstance(response, int):
            return response == question.answer
        if isinstance(response, str):
            return fold(response) == fold(question.options[question.answer])
        return False
    if question.mode is Mode.CLOZE:
        assert isinstance(question.answer, str)
        return isinstance(response, str) and matches_term(question.answer, response)
    assert isinstance(question.answer, tuple)
    if isinstance(response, Mapping):
        chosen = tuple(response.get(i) for i in range(len(question.answer)))
        return chosen == question.answer
    if isinstance(response, Sequence) and not isinstance(response, str):
        return tuple(response) == question.answer
    return False
