"""What question generation may know about the rest of a deck, and at what cost.

A question about one card needs a few facts about its deck: the `Lexicon` (which words are
names, which are people), how many notes and questions use a word, wrong options of the
right kind, and a few other notes (for a match round). A `DeckView` answers exactly those
requests, each in time bounded by a constant, whatever the size of the deck:

* `MemoryDeck` holds a deck given as a list of notes. It is built once, in time linear in
  the deck, and is what `questions.build_question(mode, note, deck_notes, rng)` uses.
* A store keeps the same facts with the deck and updates them as notes are added, changed
  and deleted (see `retain.deck_index`); its view reads what one question needs.

Both count their work in `touched`: the candidates and notes they handed out. Tests use it
to show that the work per question does not grow with the deck.

`analyse_note` reads one note with a lexicon: its points, their kinds and key facts, and
the candidates (wrong options, false statements) it offers to the other cards of its deck.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from retain.core.kinds import (
    KEY_KINDS,
    AnswerKind,
    Key,
    KeyTerm,
    Lexicon,
    asks,
    classify_point,
    content_words,
    fold,
    key_terms,
    keys_of,
    shape_of,
)
from retain.core.model import Note, NoteId

CANDIDATE_SAMPLE = 300
"""At most this many candidates of one kind are looked at for one question."""

OTHER_NOTES_SAMPLE = 40
"""At most this many other notes are looked at for one match round."""


@dataclass(frozen=True)
class Point:
    index: int
    text: str
    kind: AnswerKind
    core: str  # what an option shows: the fact itself for key kinds, else the whole point
    shape: str
    terms: tuple[KeyTerm, ...]
    keys: frozenset[Key]


@dataclass(frozen=True)
class Candidate:
    """A possible wrong option or false statement, taken from a card of the deck."""

    text: str
    kind: AnswerKind
    shape: str
    keys: frozenset[Key]
    note_id: NoteId
    asks: str
    whole: bool  # a whole answer point, not a term found inside one
    question: str  # of the card it comes from
    question_keys: frozenset[Key] = frozenset()  # of the card it comes from


@dataclass(frozen=True)
class NoteFacts:
    note: Note
    asks: str
    points: tuple[Point, ...]
    question_keys: frozenset[Key]
    card_keys: frozenset[Key]  # question and points
    candidates: tuple[Candidate, ...]


def note_texts(note: Note) -> tuple[str, ...]:
    return (note.question, *note.answer_points)


def note_words(note: Note) -> frozenset[str]:
    """The content words of a note, as `DeckView.note_frequency` counts them."""
    return content_words(" ".join(note_texts(note)))


def analyse_note(note: Note, lexicon: Lexicon) -> NoteFacts:
    """Read one note with its deck's lexicon (or any lexicon that knows its words)."""
    asked = asks(note.question)
    question_keys = keys_of(note.question, lexicon)
    points: list[Point] = []
    candidates: dict[str, Candidate] = {}
    for i, text in enumerate(note.answer_points):
        pk = classify_point(text, note.question, lexicon)
        terms = key_terms(text, lexicon)
        core = pk.core if pk.kind in KEY_KINDS else text.strip()
        keys = keys_of(text, lexicon)
        points.append(Point(i, text, pk.kind, core, pk.shape, terms, keys))
        whole = Candidate(
            core, pk.kind, pk.shape, keys_of(core, lexicon), note.id, asked, True,
            note.question, question_keys,
        )
        candidates.setdefault(fold(core), whole)
        if pk.kind in KEY_KINDS:
            continue  # not "Vinci" out of "Leonardo da Vinci"
        for term in terms:
            if term.kind in KEY_KINDS:
                shape = shape_of(term.kind, term.text)
                cand = Candidate(
                    term.text, term.kind, shape, term.keys, note.id, asked, False,
                    note.question, question_keys,
                )
                candidates.setdefault(fold(term.text), cand)
    card_keys = question_keys.union(*(p.keys for p in points))
    return NoteFacts(
        note, asked, tuple(points), question_keys, card_keys, tuple(candidates.values())
    )


class DeckView(Protocol):
    """The rest of a deck, as question generation sees it. Every method costs a bounded
    amount of work, whatever the size of the deck."""

    touched: int
    """Candidates and notes handed out so far (the work done for questions)."""

    @property
    def size(self) -> int:
        """How many notes the deck has."""
        ...

    def facts(self, notes: Sequence[Note]) -> list[NoteFacts]:
        """These notes read with the deck's lexicon."""
        ...

    def note_frequency(self, words: Iterable[str]) -> Mapping[str, int]:
        """For each content word, how many notes of the deck use it (absent: none)."""
        ...

    def question_frequency(self, words: Iterable[str]) -> Mapping[str, int]:
        """For each content word, how many questions of the deck use it (absent: none)."""
        ...

    def candidates(self, kind: AnswerKind, rng: random.Random) -> Sequence[Candidate]:
        """Candidates of one kind from the whole deck: all of them, or a random sample of
        at most `CANDIDATE_SAMPLE` (or the view's own bound)."""
        ...

    def other_notes(self, note_id: NoteId, rng: random.Random) -> Sequence[Note]:
        """Other notes of the deck in random order: all of them, or a random sample of at
        most `OTHER_NOTES_SAMPLE` (or the view's own bound)."""
        ...

    def related_answers(self, note: Note, typed: str) -> list[tuple[str, ...]]:
        """Answer points of other notes of the deck for grading a typed answer: every other
        note of a small deck, and a bounded set (notes that share a name with the card or
        the answer, and a sample) of a large one."""
        ...


GRADING_OTHERS = 60
"""A deck with at most this many other notes gives all of them to the grader."""


class MemoryDeck:
    """A deck held in memory, built once from its notes (in any order)."""

    def __init__(
        self,
        notes: Iterable[Note],
        *,
        candidate_sample: int = CANDIDATE_SAMPLE,
        note_sample: int = OTHER_NOTES_SAMPLE,
    ) -> None:
        by_id = {n.id: n for n in notes}
        ordered = tuple(by_id[i] for i in sorted(by_id))
        texts: list[str] = []
        who_answers: list[str] = []
        for note in ordered:
            texts.extend(note_texts(note))
            if asks(note.question) == "who":
                who_answers.extend(note.answer_points)
        self.lexicon = Lexicon.from_texts(texts, who_answers)
        self.notes = ordered
        self._facts = {n.id: analyse_note(n, self.lexicon) for n in ordered}
        frequency: dict[str, int] = {}
        question_frequency: dict[str, int] = {}
        by_kind: dict[AnswerKind, list[Candidate]] = {}
        for note in ordered:
            for word in note_words(note):
                frequency[word] = frequency.get(word, 0) + 1
            for word in content_words(note.question):
                question_frequency[word] = question_frequency.get(word, 0) + 1
            for cand in self._facts[note.id].candidates:
                by_kind.setdefault(cand.kind, []).append(cand)
        self._frequency = frequency
        self._question_frequency = question_frequency
        self._by_kind = {k: tuple(v) for k, v in by_kind.items()}
        self._candidate_sample = candidate_sample
        self._note_sample = note_sample
        self.touched = 0

    @property
    def size(self) -> int:
        return len(self.notes)

    def facts(self, notes: Sequence[Note]) -> list[NoteFacts]:
        out = []
        for note in notes:
            known = self._facts.get(note.id)
            out.append(known if known is not None and known.note == note
                       else analyse_note(note, self.lexicon))
        return out

    def note_frequency(self, words: Iterable[str]) -> Mapping[str, int]:
        return {w: self._frequency[w] for w in words if w in self._frequency}

    def question_frequency(self, words: Iterable[str]) -> Mapping[str, int]:
        return {w: self._question_frequency[w] for w in words if w in self._question_frequency}

    def candidates(self, kind: AnswerKind, rng: random.Random) -> Sequence[Candidate]:
        pool = self._by_kind.get(kind, ())
        if len(pool) > self._candidate_sample:
            pool = tuple(rng.sample(pool, self._candidate_sample))
        self.touched += len(pool)
        return pool

    def other_notes(self, note_id: NoteId, rng: random.Random) -> Sequence[Note]:
        if len(self.notes) - 1 <= self._note_sample:
            others = [n for n in self.notes if n.id != note_id]
            rng.shuffle(others)
        else:
            others = [
                n for n in rng.sample(self.notes, self._note_sample + 1) if n.id != note_id
            ][: self._note_sample]
        self.touched += len(others)
        return others

    def related_answers(self, note: Note, typed: str) -> list[tuple[str, ...]]:
        others = [n for n in self.notes if n.id != note.id]
        if len(others) > GRADING_OTHERS:
            start = note.id % len(others)
            others = (others[start:] + others[:start])[:GRADING_OTHERS]
        self.touched += len(others)
        return [n.answer_points for n in others]
