"""Answer kinds: dates, numbers, people, names, terms and explanations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retain.core.kinds import (
    AnswerKind,
    Lexicon,
    asks,
    classify_point,
    fold,
    key_terms,
    number_values,
    parse_date,
    restates,
    split_core,
)

EXPECTED_JSON = Path(__file__).parent.parent / "data" / "unit1-stalin-flashcards.expected.json"
CARDS = json.loads(EXPECTED_JSON.read_text(encoding="utf-8"))["cards"]
TEXTS = [c["question"] for c in CARDS] + [p for c in CARDS for p in c["answer_points"]]
WHO = [p for c in CARDS if c["question"].startswith("Who") for p in c["answer_points"]]
LEXICON = Lexicon.from_texts(TEXTS, WHO)


@pytest.mark.parametrize(
    ("question", "point", "kind", "core"),
    [
        ("When did Lenin die?", "January 1924", AnswerKind.DATE, "January 1924"),
        ("What was the trial of the 17?", "1937", AnswerKind.DATE, "1937"),
        ("What was the trial of the 16?", "August 1936", AnswerKind.DATE, "August 1936"),
        ("Who were Stalin’s opponents in the Politburo?", "Leon Trotsky - left",
         AnswerKind.PERSON, "Leon Trotsky"),
        ("Who were Stalin’s opponents in the Politburo?", "Gregory Zinoviev - left",
         AnswerKind.PERSON, "Gregory Zinoviev"),
        ("What was the Chistka 1932-1935?",
         "By 1935, 22% of the party had been removed from their posts - shows that opposition "
         "to Stalin’s principles was growing.", AnswerKind.EXPLANATION, None),
        ("How did Stalin remove political rivals from positions of power?",
         "Socialism in one country - Stalin’s policy of modernisation",
         AnswerKind.EXPLANATION, None),
        ("How many continents are there?", "7", AnswerKind.NUMBER, "7"),
        ("How many soldiers fought?", "1500", AnswerKind.NUMBER, "1500"),
        ("What share of voters turned out?", "22%", AnswerKind.NUMBER, "22%"),
        ("What is the capital of France?", "Paris", AnswerKind.NAME, "Paris"),
        ("Who painted the Mona Lisa?", "Leonardo da Vinci", AnswerKind.PERSON,
         "Leonardo da Vinci"),
        ("der Hund", "the dog", AnswerKind.TERM, "the dog"),
        ("When was the Battle of Hastings?", "14 October 1066", AnswerKind.DATE,
         "14 October 1066"),
    ],
)  # fmt: skip
def test_classify_point(question: str, point: str, kind: AnswerKind, core: str | None) -> None:
    lexicon = Lexicon.from_texts([*TEXTS, question, point], [*WHO, point])
    got = classify_point(point, question, lexicon)
    assert got.kind is kind
    if core is not None:
        assert got.core == core


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("By Nikolayev on 1st Dec 1934 as he felt the party did not appreciate his talents.",
         [("Nikolayev", "name"), ("1st Dec 1934", "date")]),
        ("By 1935, 22% of the party had been removed from their posts",
         [("1935", "date"), ("22%", "number")]),
        ("Between 1937 and 1938 35,000 officers were either shot or imprisoned.",
         [("1937", "date"), ("1938", "date"), ("35,000", "number")]),
        ("In 1937, there was a purge of party officials such as Karl Radek and George Pyatakov.",
         [("1937", "date"), ("Karl Radek", "person"), ("George Pyatakov", "person")]),
        ("He launched Lenin Enrolment, 1923-25 - to increase the number of industrial workers",
         [("Lenin Enrolment", "name"), ("1923-25", "date")]),
        ("During the revolution he headed the Red Army which played a vital role",
         [("Red Army", "name")]),
        ("Right - WInter 1926-27, divisions over the issue of industrialisation",
         [("WInter 1926-27", "date")]),
        ("The Party secretariat collected information on party members.", []),
    ],
)  # fmt: skip
def test_key_terms(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(t.text, t.kind.value) for t in key_terms(text, LEXICON)] == expected


def test_people_and_names_of_the_sample_deck() -> None:
    assert {"lenin", "stalin", "trotsky", "bukharin", "radek"} <= LEXICON.people
    assert not {"kirov", "soviet", "nkvd", "party"} & LEXICON.people
    assert "party" not in LEXICON.proper  # "party" is also written in lower case
    assert "january" not in LEXICON.proper


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("When did Lenin die?", "when"),
        ("In what year did the French Revolution begin?", "when"),
        ("Who were Stalin’s opponents in the Politburo?", "who"),
        ("How many continents are there?", "how many"),
        ("What percentage of the Earth is water?", "how many"),
        ("How did Stalin start to gain power?", "how"),
        ("Why were there purges in the Red Army?", "why"),
        ("Where is Lima?", "where"),
        ("What were the show trials?", "what"),
        ("Was the opposition real or imagined?", ""),
        ("der Hund", ""),
    ],
)
def test_asks(question: str, asked: str) -> None:
    assert asks(question) == asked


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Stalin appointed his supporters",
         "Stalin could appoint people to the party so he appointed his supporters.", True),
        ("January 1924", "january 1924.", True),
        ("Leon Trotsky", "Leon Trotzky", True),
        ("He missed Lenin’s funeral.", "He refused to make private alliances.", False),
        ("August 1936", "1937", False),
        ("the dog", "the cat", False),
    ],
)  # fmt: skip
def test_restates(a: str, b: str, same: bool) -> None:
    assert restates(a, b) is same


def test_small_helpers() -> None:
    assert fold("Lenin’s  NEP — “right”") == "lenin s nep right"
    assert fold("Café") == "cafe"
    assert number_values("35,000 men and 22% and 3.50") == ("35000", "22", "3.5")
    assert parse_date("1st Dec 1934") == (1934, 12, 1)
    assert parse_date("January 1924") == (1924, 1, None)
    assert parse_date("1937") == (1937, None, None)
    assert parse_date("no date here") is None
    assert split_core("Leon Trotsky - left") == "Leon Trotsky"
    assert split_core("A long point - with a dash that goes on") == "A long point"
