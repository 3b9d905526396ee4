"""What kind of thing an answer is, and the key terms inside it.

Question generation needs to know that "January 1924" is a date, "22%" a number,
"Marie Curie" a person, and "She measured the radiation of over 200 samples ..." an
explanation: a multiple-choice question only looks fair when its options are of one kind,
and a cloze question should blank a date, a number or a name rather than "the".

Everything here is a heuristic over the text alone: regular expressions for dates and
numbers, and capitalisation for names. Whether a capitalised word is a name is decided
with a `Lexicon` built from the whole deck: a word is a name when the deck writes it with
a capital in the middle of a sentence and never in lower case ("Curie", "Sorbonne"; not
"Party", which also appears as "party"). A name is a *person* when the deck gives some
evidence of it: a possessive ("Curie's"), a first name ("Marie Curie"), or a "Who ...?"
question answered by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz

from retain.core import textnorm
from retain.core.textnorm import STOPWORDS as STOPWORDS
from retain.core.textnorm import fold_plain


class AnswerKind(StrEnum):
    """The kind of an answer point, or of a key term inside one."""

    DATE = "date"
    NUMBER = "number"
    PERSON = "person"
    NAME = "name"
    TERM = "term"
    EXPLANATION = "explanation"


KEY_KINDS = frozenset({AnswerKind.DATE, AnswerKind.NUMBER, AnswerKind.PERSON, AnswerKind.NAME})
"""Kinds that state one checkable fact: the ones worth blanking, and the ones that must
never be shared by a right answer and a wrong one."""

Key = tuple[str, str]
"""A normalised fact inside a text: ``("year", "1937")``, ``("num", "35000")``,
``("name", "curie")``."""


# ---------------------------------------------------------------------------- normalising

_CACHED = 16384
"""Texts whose analysis each cache keeps: an import batch's (2,000 notes, three passes), or
a study session's recent cards. Bounded, so that an import of any size stays within its memory."""

fold = fold_plain  # the one text layer: see `retain.core.textnorm`


def stem(word: str) -> str:
    """The key of an English word (see `retain.core.textnorm.stem`)."""
    return textnorm.stem(word)


@lru_cache(maxsize=_CACHED)
def content_words(text: str) -> frozenset[str]:
    """The stems of the words that carry meaning: no stop words, no single letters."""
    return frozenset(stem(w) for w in fold(text).split() if w not in STOPWORDS and len(w) > 1)


@lru_cache(maxsize=_CACHED)
def restates(a: str, b: str) -> bool:
    """True when one text is a near-copy or a restatement of the other.

    Either the whole strings are close (typos, punctuation, word order), or the content
    words of the shorter one, two or more of them, are almost all in the longer one
    ("Curie isolated radium" restates "Curie could separate the elements and so she
    isolated radium").
    """
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return fa == fb
    if fa == fb or fuzz.ratio(fa, fb) >= 85 or fuzz.token_sort_ratio(fa, fb) >= 90:
        return True
    ca, cb = content_words(a), content_words(b)
    small, large = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
    if len(small) >= 2:
        shared = sum(1 for w in small if w in large)
        if shared / len(small) >= 0.8:
            return True
    return False


# ---------------------------------------------------------------------------- dates

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1\d{3}|20\d{2})"
_SEASON = r"(?:spring|summer|autumn|fall|winter|early|late|mid)"

_DATE_RE = re.compile(
    "|".join(
        [
            rf"\b{_ORD}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b",  # 1st Dec 1934
            rf"\b{_MONTH}\s+{_ORD},?\s+{_YEAR}\b",  # December 1, 1934
            r"\b\d{4}-\d{1,2}-\d{1,2}\b",  # 1934-12-01
            r"\b\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})\b",  # 1/12/1934
            r"\b\d{1,4}\s*(?:BCE|BC|CE|AD)\b",  # 55 BC
            rf"\b(?:{_SEASON}[- ]|{_MONTH}\s+)?{_YEAR}s?(?:\s*[-/]\s*(?:{_YEAR}|\d{{2}})\b)?"
            r"(?!\d|,\d|%|\.\d)",  # January 1924, Winter 1926-27, 1923-25, 1920s
        ]
    ),
    re.IGNORECASE,
)
_YEAR_IN_DATE = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_SHORT_YEAR_RANGE = re.compile(rf"({_YEAR})\s*[-/]\s*(\d{{2}})\b")


def _date_keys(text: str) -> frozenset[Key]:
    years = {m.group(0) for m in _YEAR_IN_DATE.finditer(text)}
    for m in _SHORT_YEAR_RANGE.finditer(text):
        years.add(m.group(1)[:2] + m.group(2))
    if not years:  # 55 BC, 1/12/34
        years = set(re.findall(r"\d+", text))
    return frozenset(("year", y) for y in years)


def date_shape(text: str) -> str:
    """How a date is written: ``dmy``, ``my``, ``range``, ``decade``, ``y`` or ``other``."""
    t = text.casefold()
    if re.search(rf"\b{_ORD}\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+{_ORD},|\d[/.]\d|\d-\d+-\d", t):
        return "dmy"
    if re.search(rf"\b{_MONTH}\s", t):
        return "my"
    if re.search(r"\d\s*[-/]\s*\d", t):
        return "range"
    if re.search(r"\d0s\b", t):
        return "decade"
    if re.fullmatch(rf"\s*{_YEAR}\s*", t):
        return "y"
    return "other"


def parse_date(text: str) -> tuple[int | None, int | None, int | None] | None:
    """Read a (year, month, day) from a date written in any of the usual ways, or None."""
    t = fold(text)
    m = re.search(r"\b(\d{4}) (\d{1,2}) (\d{1,2})\b", t)
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    year_m = re.search(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)", t)
    year = int(year_m.group(1)) if year_m else None
    month = None
    for word in t.split():
        if word in _MONTHS and (word != "may" or year is not None):
            month = _MONTHS[word]
            break
    day = None
    rest = t.replace(year_m.group(1), " ", 1) if year_m else t
    day_m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", rest)
    if day_m and month is not None:
        day = int(day_m.group(1))
    if year is None and month is None:
        return None
    return year, month, day


# ---------------------------------------------------------------------------- numbers

_NUMBER_RE = re.compile(
    r"(?<![\w.,])[£$€]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:\s*(?:%|per\s?cent\b|percent\b)|\s+(?:million|billion|thousand|hundred)\b"
    r"|(?:st|nd|rd|th)\b)?(?![\w,%]|\.\d)",
    re.IGNORECASE,
)


def number_values(text: str) -> tuple[str, ...]:
    """The numbers in a text, normalised: ``"35,000 men and 22%"`` -> ``("35000", "22")``."""
    values = []
    for raw in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
        value = raw.replace(",", "").rstrip(".")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        values.append(value.lstrip("0") or "0")
    return tuple(values)


def number_shape(text: str) -> str:
    t = text.casefold()
    if "%" in t or "cent" in t:
        return "percent"
    if re.search(r"[£$€]", t):
        return "money"
    if re.search(r"\d(?:st|nd|rd|th)\b", t):
        return "ordinal"
    if re.search(r"million|billion|thousand|hundred", t):
        return "scaled"
    return "plain"


# ---------------------------------------------------------------------------- names

_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
_POSSESSIVE = re.compile(r"^(.*?)(?:'s|’s|'|’)$")
_INSTITUTION_WORDS = frozenset(
    """army navy party union committee revolution war wars plan plans police state states
    republic empire church court bank company council parliament congress senate government
    university school college river mountain mountains sea ocean lake street road city
    kingdom league treaty act acts front movement programme program policy trial trials
    day days week year years age era period conference pact bill law island islands bay
    canal desert valley museum palace hall house office ministry army's cabinet assembly
    federation organisation organization association society institute group system
    agency bureau department board commission""".split()
)
_NON_PERSON_SUFFIXES = ("ism", "isms", "ist", "ists", "ian", "ians", "ese", "iks", "eks", "ks")
_CALENDAR_WORDS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
    friday saturday sunday spring summer autumn winter""".split()
)
_NAME_CONNECTORS = frozenset({"de", "da", "van", "von", "der", "del", "la", "le", "bin", "al"})


def _bare(token: str) -> str:
    m = _POSSESSIVE.match(token)
    return m.group(1) if m and m.group(1) else token


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper()


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@dataclass(frozen=True)
class _Token:
    text: str  # without a possessive ending
    start: int
    end: int  # end of `text`, not of the possessive
    initial: bool  # first word of a sentence or of a point
    possessive: bool


_DASHES = "-–—"


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence, a point, a bracket or a dashed clause."""
    j = start - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    if j < 0 or text[j] in '.!?:;("“':
        return True
    if text[j] in _DASHES:
        return j < start - 1 or (j > 0 and text[j - 1].isspace())
    return False


@lru_cache(maxsize=_CACHED)
def _tokens(text: str) -> tuple[_Token, ...]:
    out: list[_Token] = []
    for m in _WORD_RE.finditer(text):
        raw = m.group(0).rstrip("-'’")
        bare = _bare(raw)
        initial = _starts_sentence(text, m.start())
        out.append(_Token(bare, m.start(), m.start() + len(bare), initial, possessive=bare != raw))
    return tuple(out)


@dataclass(frozen=True)
class Lexicon:
    """What a whole deck says about its words: which are names, and which are people."""

    proper: frozenset[str] = frozenset()
    """Folded words written with a capital mid-sentence and never in lower case."""
    people: frozenset[str] = frozenset()
    """Folded single words known to name a person."""
    first_names: frozenset[str] = frozenset()
    """Folded words seen as the first word of a person's full name."""
    common: frozenset[str] = frozenset()
    """Folded words the deck writes in lower case somewhere."""

    @classmethod
    def from_texts(cls, texts: Iterable[str], who_answers: Iterable[str] = ()) -> Lexicon:
        """Build the lexicon of a deck from all its texts (questions and answer points).

        `who_answers` are the answer points of "Who ...?" questions: short ones are names
        of people. The same lexicon is what `lexicon_from_counts` gives from the deck's
        `WordCounts`, which a store keeps up to date note by note.
        """
        all_texts = list(texts)
        who = list(who_answers)
        counts: dict[str, WordCounts] = {}
        add_evidence(counts, word_evidence(all_texts, who))
        lasts, firsts = person_runs([*all_texts, *who], base_lexicon(counts))
        add_runs(counts, lasts, firsts)
        return lexicon_from_counts(counts)

    def _is_name_token(self, tok: _Token) -> bool:
        if not _is_capitalised(tok.text):
            return False
        word = tok.text.casefold()
        if (word in STOPWORDS or word in _CALENDAR_WORDS) and not _is_acronym(tok.text):
            return False
        if _is_acronym(tok.text) and len(tok.text) >= 2:
            return True
        return word in self.proper

    def _runs(self, text: str) -> list[list[_Token]]:
        """Maximal runs of name words, as they are written in `text`.

        A run starts at a name word. A capitalised word right after it joins it ("Red
        Army", where "army" alone is a common word), and so does an unknown capitalised
        word right before it ("Pierre Curie" at the start of a point).
        """
        runs: list[list[_Token]] = []
        current: list[_Token] = []
        previous: _Token | None = None
        for tok in _tokens(text):
            joined = (
                bool(current)
                and not current[-1].possessive
                and text[current[-1].end : tok.start].strip() == ""
            )
            folded = tok.text.casefold()
            extends = (
                _is_capitalised(tok.text)
                and not tok.initial
                and folded not in STOPWORDS
                and folded not in _CALENDAR_WORDS
            )
            if joined and (self._is_name_token(tok) or extends):
                current.append(tok)
            else:
                if current:
                    runs.append(current)
                current = []
                if self._is_name_token(tok):
                    current = [tok]
                    if (
                        previous is not None
                        and not previous.possessive
                        and _is_capitalised(previous.text)
                        and text[previous.end : tok.start].strip() == ""
                        and not self._is_common(previous.text)
                        and not (runs and runs[-1][-1] is previous)
                    ):
                        current = [previous, tok]
            previous = tok
        if current:
            runs.append(current)
        return runs

    def _is_common(self, word: str) -> bool:
        folded = word.casefold()
        return folded in STOPWORDS or folded in self.common or folded in _CALENDAR_WORDS

    def name_kind(self, words: list[str]) -> AnswerKind:
        """PERSON or NAME for a run of folded name words."""
        if len(words) == 1:
            w = words[0]
            return (
                AnswerKind.PERSON if w in self.people and not _institutional(w) else AnswerKind.NAME
            )
        if _person_like(words, self.people) or (
            words[0] in self.first_names and not any(_institutional(w) for w in words)
        ):
            return AnswerKind.PERSON
        return AnswerKind.NAME


def _institutional(word: str) -> bool:
    return word in _INSTITUTION_WORDS or word.endswith(_NON_PERSON_SUFFIXES)


def _person_like(words: list[str], people: frozenset[str]) -> bool:
    """A full name: two to four words, none an institution, not "Darwin Award"."""
    if not 2 <= len(words) <= 4 or any(_institutional(w) for w in words):
        return False
    if any(w.isupper() and len(w) > 1 for w in words):
        return False
    return words[0] not in people or words[-1] in people


# ---------------------------------------------------------------------------- lexicon evidence
#
# A lexicon is a function of per-word counts, and each note adds to the counts on its own:
# how often a word is written in lower case, with a capital mid-sentence, as a possessive,
# as the last word of a short answer to "Who ...?", and as the last or first word of a
# person's full name. The full names are read with a base lexicon (which words are names,
# which are common, which are people by a possessive), so a note's full names change only
# when the base status of one of its capitalised words changes. A store keeps these counts
# per deck and recomputes only the notes whose words changed status.


@dataclass(frozen=True)
class WordEvidence:
    """What one note (or any texts) says about its words on its own, folded to lower case."""

    lower: frozenset[str]
    capital_mid: frozenset[str]
    possessive: frozenset[str]
    who_people: frozenset[str]
    capitalised: frozenset[str]
    """Capitalised words whose status in the deck decides how the texts are read."""


@dataclass(frozen=True)
class WordCounts:
    """In how many notes a word shows each kind of evidence (see `WordEvidence`)."""

    lower: int = 0
    capital_mid: int = 0
    possessive: int = 0
    who: int = 0
    last: int = 0
    first: int = 0

    def plus(self, other: WordCounts, sign: int = 1) -> WordCounts:
        return WordCounts(
            self.lower + sign * other.lower,
            self.capital_mid + sign * other.capital_mid,
            self.possessive + sign * other.possessive,
            self.who + sign * other.who,
            self.last + sign * other.last,
            self.first + sign * other.first,
        )

    @property
    def empty(self) -> bool:
        return self == _NO_COUNTS


_NO_COUNTS = WordCounts()


def lexicon_words(text: str) -> frozenset[str]:
    """Every word of `text` a lexicon may be asked about: its words in lower case, with and
    without accents. A lexicon that knows these words reads `text` as the whole one does."""
    words = {tok.text.casefold() for tok in _tokens(text)}
    words.update(w.casefold() for w in text.split())
    words.update(fold(text).split())
    return frozenset(words)


def word_evidence(texts: Iterable[str], who_answers: Iterable[str] = ()) -> WordEvidence:
    lower: set[str] = set()
    capital_mid: set[str] = set()
    possessive: set[str] = set()
    capitalised: set[str] = set()
    for text in texts:
        for tok in _tokens(text):
            word = tok.text.casefold()
            if tok.text.islower():
                lower.add(word)
            elif _is_capitalised(tok.text) and not tok.initial:
                capital_mid.add(word)
            if tok.possessive and _is_capitalised(tok.text):
                possessive.add(word)
            if _is_capitalised(tok.text):
                capitalised.add(word)
    who: set[str] = set()
    for answer in who_answers:
        head = split_core(answer)
        words = fold(head).split()
        if 1 <= len(words) <= 4 and all(_is_capitalised(w) for w in head.split()):
            who.add(words[-1])
    return WordEvidence(
        frozenset(lower),
        frozenset(capital_mid),
        frozenset(possessive),
        frozenset(who),
        frozenset(capitalised - STOPWORDS - _CALENDAR_WORDS),
    )


def add_evidence(counts: dict[str, WordCounts], evidence: WordEvidence, sign: int = 1) -> None:
    """Add one note's evidence to per-word counts (or take it away, with `sign` -1)."""
    for field_name, words in (
        ("lower", evidence.lower),
        ("capital_mid", evidence.capital_mid),
        ("possessive", evidence.possessive),
        ("who", evidence.who_people),
    ):
        one = WordCounts(**{field_name: sign})
        for w in words:
            counts[w] = counts.get(w, _NO_COUNTS).plus(one)


def add_runs(
    counts: dict[str, WordCounts],
    lasts: Iterable[str],
    firsts: Iterable[str],
    sign: int = 1,
) -> None:
    for w in lasts:
        counts[w] = counts.get(w, _NO_COUNTS).plus(WordCounts(last=sign))
    for w in firsts:
        counts[w] = counts.get(w, _NO_COUNTS).plus(WordCounts(first=sign))


def _is_proper(word: str, c: WordCounts) -> bool:
    return (c.capital_mid > 0 or c.possessive > 0) and c.lower == 0 and (
        word not in _CALENDAR_WORDS
    )


def _is_base_person(word: str, c: WordCounts) -> bool:
    return c.possessive > 0 and _is_proper(word, c) and not _institutional(word)


def base_status(word: str, c: WordCounts) -> tuple[bool, bool, bool]:
    """What full names are read with: (a name, written in lower case somewhere, a person by
    a possessive)."""
    return _is_proper(word, c), c.lower > 0, _is_base_person(word, c)


def full_status(word: str, c: WordCounts) -> tuple[bool, bool, bool, bool]:
    """What a text is read with: (a name, in lower case somewhere, a person, a first name)."""
    person = _is_base_person(word, c) or c.last > 0 or c.who > 0
    return _is_proper(word, c), c.lower > 0, person, c.first > 0


def base_lexicon(counts: Mapping[str, WordCounts]) -> Lexicon:
    """The lexicon full names are read with: names, common words, people by a possessive."""
    return Lexicon(
        proper=frozenset(w for w, c in counts.items() if _is_proper(w, c)),
        people=frozenset(w for w, c in counts.items() if _is_base_person(w, c)),
        common=frozenset(w for w, c in counts.items() if c.lower > 0),
    )


def person_runs(texts: Iterable[str], base: Lexicon) -> tuple[frozenset[str], frozenset[str]]:
    """The last and the first words of the full names of people in `texts`."""
    lasts: set[str] = set()
    firsts: set[str] = set()
    for text in texts:
        for run in base._runs(text):
            words = [t.text.casefold() for t in run]
            if len(words) >= 2 and _person_like(words, base.people):
                lasts.add(words[-1])
                firsts.add(words[0])
    return frozenset(lasts), frozenset(firsts)


def lexicon_from_counts(counts: Mapping[str, WordCounts]) -> Lexicon:
    proper: set[str] = set()
    common: set[str] = set()
    people: set[str] = set()
    first_names: set[str] = set()
    for w, c in counts.items():
        is_proper, is_common, is_person, is_first = full_status(w, c)
        if is_proper:
            proper.add(w)
        if is_common:
            common.add(w)
        if is_person:
            people.add(w)
        if is_first:
            first_names.add(w)
    return Lexicon(
        proper=frozenset(proper),
        people=frozenset(people),
        first_names=frozenset(first_names),
        common=frozenset(common),
    )


# ---------------------------------------------------------------------------- key terms


@dataclass(frozen=True)
class KeyTerm:
    """A date, number or name found inside a text, with where it is."""

    text: str
    kind: AnswerKind
    start: int
    end: int
    keys: frozenset[Key]


def _name_keys(text: str) -> frozenset[Key]:
    return frozenset(
        ("name", w) for w in fold(text).split() if w not in STOPWORDS and w not in _NAME_CONNECTORS
    )


@lru_cache(maxsize=_CACHED)
def key_terms(text: str, lexicon: Lexicon) -> tuple[KeyTerm, ...]:
    """The dates, numbers and names in `text`, in order, never overlapping."""
    found: list[KeyTerm] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in _DATE_RE.finditer(text):
        span = m.group(0).strip()
        start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        found.append(KeyTerm(span, AnswerKind.DATE, start, start + len(span), _date_keys(span)))
        taken.append((start, start + len(span)))
    for m in _NUMBER_RE.finditer(text):
        if free(m.start(), m.end()):
            span = m.group(0)
            keys = frozenset(("num", v) for v in number_values(span))
            found.append(KeyTerm(span, AnswerKind.NUMBER, m.start(), m.end(), keys))
            taken.append((m.start(), m.end()))
    for run in lexicon._runs(text):
        start, end = run[0].start, run[-1].end
        if not free(start, end):
            continue
        span = text[start:end]
        words = [t.text.casefold() for t in run]
        found.append(KeyTerm(span, lexicon.name_kind(words), start, end, _name_keys(span)))
        taken.append((start, end))
    found.sort(key=lambda k: k.start)
    return tuple(found)


def keys_of(text: str, lexicon: Lexicon) -> frozenset[Key]:
    """Every normalised fact in `text`: its years, numbers and name words."""
    keys: set[Key] = set()
    for term in key_terms(text, lexicon):
        keys |= term.keys
    return frozenset(keys)


# ---------------------------------------------------------------------------- whole points

_HEAD_SPLIT = re.compile(r"\s+[-–—]\s+|:\s+|\s+\(")
_LEADING_PREPOSITION = re.compile(r"^(?:in|on|by|from|since|around|about|c\.|circa)\s+", re.I)


def split_core(point: str) -> str:
    """The head of a point annotated with a dash or a colon ("Marie Curie - physics").

    Only used for short heads; the caller decides whether the head is a key fact.
    """
    parts = _HEAD_SPLIT.split(point.strip(), maxsplit=1)
    head = parts[0].strip().rstrip(".,;")
    return head if head and len(head.split()) <= 4 else point.strip()


def _whole(term: KeyTerm, text: str) -> bool:
    rest = (text[: term.start] + text[term.end :]).strip(" .,;!?")
    return _LEADING_PREPOSITION.sub("", rest + " ").strip() == "" or rest == ""


@lru_cache(maxsize=_CACHED)
def asks(question: str) -> str:
    """What a question asks for: ``who``, ``when``, ``where``, ``how many``, ``why``, ``how``,
    ``what`` or ``""`` (statements and vocabulary prompts)."""
    q = fold(question)
    patterns = (
        ("when", r"^(?:when|in what year|what year|which year|what date|on what date)\b"),
        ("how many", r"^(?:how many|how much|what percentage|what proportion)\b"),
        ("who", r"^(?:who|whom|whose)\b|^(?:which|what) (?:person|people|man|woman|king|queen)\b"),
        ("where", r"^where\b|^(?:in )?(?:which|what) (?:country|city|place|town)\b"),
        ("why", r"^why\b"),
        ("how", r"^how\b"),
        ("what", r"^(?:what|which|name|define|describe|explain)\b"),
    )
    for label, pattern in patterns:
        if re.search(pattern, q):
            return label
    for label in ("when", "who", "where", "why"):
        if re.search(rf"\b{label}\b", q):
            return label
    return ""


@dataclass(frozen=True)
class PointKind:
    """How an answer point is classified: its kind, and the text to show as an option."""

    kind: AnswerKind
    core: str
    shape: str


def classify_point(point: str, question: str, lexicon: Lexicon) -> PointKind:
    """Classify one answer point.

    * DATE / NUMBER / PERSON / NAME: the point (or its head before " - ", as in
      "Marie Curie - physics") is just that fact; `core` is that fact.
    * TERM: five words or fewer, no sentence punctuation.
    * EXPLANATION: anything longer.

    A "How many ...?" question turns a bare year-like number into a NUMBER, and a
    "Who ...?" question turns a short name into a PERSON.
    """
    text = point.strip()
    asked = asks(question)
    for candidate in dict.fromkeys((text, split_core(text))):
        terms = key_terms(candidate, lexicon)
        if len(terms) == 1 and _whole(terms[0], candidate):
            term = terms[0]
            kind = term.kind
            if kind is AnswerKind.DATE and asked == "how many" and date_shape(term.text) == "y":
                kind = AnswerKind.NUMBER
            if kind is AnswerKind.NAME and asked == "who":
                kind = AnswerKind.PERSON
            core = candidate.strip(" .,;")
            return PointKind(kind, core, shape_of(kind, core))
        if len(terms) >= 2 and all(t.kind in (AnswerKind.PERSON, AnswerKind.NAME) for t in terms):
            continue
    words = text.split()
    if len(words) <= 5 and not re.search(r"[.;!?]\s|,\s.*,", text + " "):
        core = text.rstrip(".")
        title_case = all(
            _is_capitalised(w) and not lexicon._is_common(w)
            for w in words
            if w.casefold() not in _NAME_CONNECTORS
        )
        if title_case and 1 <= len(words) <= 4 and not any(c.isdigit() for c in text):
            # "Paris", "Leonardo da Vinci": a name the deck only ever gives as an answer
            kind = AnswerKind.PERSON if asked == "who" else AnswerKind.NAME
            return PointKind(kind, core, shape_of(kind, core))
        return PointKind(AnswerKind.TERM, text.rstrip("."), shape_of(AnswerKind.TERM, text))
    return PointKind(AnswerKind.EXPLANATION, text, shape_of(AnswerKind.EXPLANATION, text))


def shape_of(kind: AnswerKind, text: str) -> str:
    """A coarse description of how a value is written, so options look alike."""
    if kind is AnswerKind.DATE:
        return date_shape(text)
    if kind is AnswerKind.NUMBER:
        return number_shape(text)
    n = len(text.split())
    if kind in (AnswerKind.PERSON, AnswerKind.NAME):
        return f"{min(n, 3)}w"
    if kind is AnswerKind.TERM:
        return "1w" if n == 1 else "nw"
    return "short" if len(text) < 80 else "medium" if len(text) < 160 else "long"
