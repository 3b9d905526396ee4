"""`retain study` and `retain grade --jsonl` suggest the same rating for the same answer."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from retain.cli import cli
from retain.collection import Collection
from retain.core.questions import Mode
from retain.formats import read_path
from retain.session import StudySession
from tests.conftest import NOW, SAMPLE


def run_grade(requests: list[dict[str, object]]) -> list[dict[str, object]]:
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    result = CliRunner().invoke(cli, ["grade", "--jsonl", "--no-semantic"], input=lines)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_the_batch_and_the_study_screen_agree(collection: Collection) -> None:
    collection.decks.import_deck(read_path(SAMPLE), now=NOW)
    deck = collection.decks.all()[0]
    notes = collection.decks.notes(deck)
    session = StudySession(collection, clock=lambda: NOW, rng=random.Random(1), mode="type")
    requests: list[dict[str, object]] = []
    expected: list[str] = []
    for note in notes:
        item = collection.study.card_for_note(note.id)
        question = session.question(item)
        assert question.mode is Mode.TYPE
        answers = ["\n".join(note.answer_points), note.answer_points[0], "no idea at all"]
        for typed in answers:
            for duration in (None, 1500, 600_000):
                outcome = session.submit(item, question, typed, duration_ms=duration)
                expected.append(outcome.rating.label)
                request: dict[str, object] = {
                    "question": note.question,
                    "answer_points": list(note.answer_points),
                    "typed": typed,
                    "other_answers": [list(n.answer_points) for n in notes if n.id != note.id],
                }
                if duration is not None:
                    request["duration_ms"] = duration
                requests.append(request)
    got = [row["rating"] for row in run_grade(requests)]
    assert got == expected
    assert {"easy", "good", "again"} <= set(got)  # a quick right answer is easy in both


def test_a_quick_right_answer_is_easy_only_with_its_time() -> None:
    card = {"question": "When did Lenin die?", "answer_points": ["January 1924"]}
    quick, slow, untimed = run_grade(
        [
            {**card, "typed": "January 1924", "duration_ms": 2000},
            {**card, "typed": "January 1924", "duration_ms": 60_000},
            {**card, "typed": "January 1924"},
        ]
    )
    assert (quick["rating"], slow["rating"], untimed["rating"]) == ("easy", "good", "good")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_ms", -1, '"duration_ms" must be'),
        ("duration_ms", "fast", '"duration_ms" must be'),
        ("duration_ms", True, '"duration_ms" must be'),
        ("other_answers", ["x"], '"other_answers" must be'),
    ],
)
def test_bad_optional_fields_are_named(field: str, value: object, message: str) -> None:
    card = {"question": "Q?", "answer_points": ["a"], "typed": "a", field: value}
    [row] = run_grade([card])
    assert message in str(row["error"]) and "line 1" in str(row["error"])
