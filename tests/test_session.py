from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from retain.collection import Collection, StudyItem
from retain.core.model import CardState, Rating
from retain.core.questions import Mode, Question
from retain.formats import read_path
from retain.session import StudySession, parse_mode
from tests.conftest import NOW, SAMPLE


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 20) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sample(collection: Collection) -> Iterator[Collection]:
    collection.decks.import_deck(read_path(SAMPLE), now=NOW)
    yield collection


def session(col: Collection, mode: str, seed: int = 7) -> tuple[StudySession, Clock]:
    clock = Clock(NOW)
    return StudySession(col, clock=clock, rng=random.Random(seed), mode=mode), clock


def right_response(question: Question, item: StudyItem) -> object:
    if question.mode is Mode.TYPE:
        return "\n".join(item.note.answer_points)
    return question.answer


def wrong_response(question: Question) -> object:
    if question.mode in (Mode.CHOICE, Mode.TRUE_FALSE):
        assert isinstance(question.answer, int)
        return (question.answer + 1) % len(question.options)
    return "no idea"


@pytest.mark.parametrize("name", ["type", "choice", "truefalse", "cloze"])
def test_each_mode_checks_and_records_with_its_mode(sample: Collection, name: str) -> None:
    study, clock = session(sample, name)
    for right in (True, False, True):
        item = study.next()
        assert item is not None
        question = study.question(item)
        expected_mode = Mode.TRUE_FALSE if name == "truefalse" else Mode(name)
        assert question.mode is expected_mode
        response = right_response(question, item) if right else wrong_response(question)
        outcome = study.submit(item, question, response)
        assert outcome.correct is right
        assert outcome.rating is (Rating.GOOD if right else Rating.AGAIN) or name == "type"
        study.answer(item, outcome.rating, outcome=outcome)
        [log] = sample.stats.reviews(item.card.id)
        assert log.mode == expected_mode.value
        assert log.detail is not None and log.detail["correct"] is right
        clock.tick()
    assert study.summary.checked == 3 and study.summary.correct == 2
    assert sample.check().ok


def test_a_typed_answer_is_graded_point_by_point_and_kept_per_point(sample: Collection) -> None:
    study, _ = session(sample, "type")
    study.next()  # Lenin
    item = study.next()
    assert item is not None
    study.answer(item, Rating.GOOD)  # move on to the multi-point card
    item = study.next()
    assert item is not None and len(item.note.answer_points) == 6
    question = study.question(item)
    typed = "He became General Secretary in 1922. He gained access to 26,000 personal files."
    outcome = study.submit(item, question, typed)
    assert outcome.grade is not None and outcome.grade.verdict == "partial"
    assert outcome.points is not None and outcome.points[0] and outcome.points[1]
    assert not outcome.points[5]
    assert outcome.rating in (Rating.AGAIN, Rating.HARD)
    study.answer(item, outcome.rating, outcome=outcome)
    stats = sample.stats.point_stats(item.card.id)
    assert [(s.index, s.missed) for s in stats][:2] == [(0, 0), (1, 0)]
    assert all(s.missed == 1 for s in stats[2:])
    detail = sample.stats.reviews(item.card.id)[-1].detail
    assert detail is not None and detail["grade"]["verdict"] == "partial"


def test_a_typed_answer_asks_the_sessions_judge_about_missed_points(sample: Collection) -> None:
    asked: list[tuple[str, ...]] = []

    def judge(question: str, points: object, typed: str) -> list[float]:
        pts = tuple(points)  # type: ignore[call-overload]
        asked.append(pts)
        return [0.95 if "files" in p else 0.0 for p in pts]

    clock = Clock(NOW)
    study = StudySession(sample, clock=clock, rng=random.Random(7), mode="type", judge=judge)
    item = study.next()
    assert item is not None
    study.answer(item, Rating.GOOD)
    item = study.next()
    assert item is not None
    typed = "He became General Secretary in 1922. He could read dossiers on every comrade."
    outcome = study.submit(item, study.question(item), typed)
    assert outcome.grade is not None and asked
    assert outcome.points is not None and outcome.points[0]
    assert outcome.points[1] and any("files" in p for p in asked[0])
    assert outcome.grade.points[1].in_other_words


def test_overruling_the_grader_is_logged(sample: Collection) -> None:
    study, _ = session(sample, "type")
    item = study.next()
    assert item is not None
    question = study.question(item)
    outcome = study.submit(item, question, "the year Lenin died, winter of '24")
    study.answer(item, Rating.GOOD, outcome=outcome, overruled="right")
    [log] = sample.stats.reviews(item.card.id)
    assert log.rating is Rating.GOOD
    assert log.detail is not None and log.detail["overruled"] == "right"
    assert log.detail["suggested"] == outcome.rating.label
    assert [s.missed for s in sample.stats.point_stats(item.card.id)] == [0]


def test_auto_mode_asks_new_cards_as_recognition_first(sample: Collection) -> None:
    study, _ = session(sample, "auto")
    item = study.next()
    assert item is not None and item.card.schedule.state is CardState.NEW
    assert study.question(item).mode is Mode.CHOICE


def test_questions_repeat_for_the_same_seed(sample: Collection) -> None:
    def prompts(seed: int) -> list[tuple[str, tuple[str, ...]]]:
        study, clock = session(sample, "choice", seed)
        item = study.next()
        assert item is not None
        out = []
        for _ in range(3):
            question = study.question(item)
            out.append((question.prompt, question.options))
        return out

    assert prompts(3) == prompts(3)


def test_learn_round_moves_from_recognition_to_recall_and_brings_back_mistakes(
    sample: Collection,
) -> None:
    study, clock = session(sample, "learn")
    first = study.next()
    assert first is not None
    q1 = study.question(first)
    assert q1.mode is Mode.CHOICE
    study.answer(first, Rating.GOOD, outcome=study.submit(first, q1, q1.answer))
    clock.tick()
    seen_again = False
    typed_wrong = False
    for _ in range(40):
        item = study.next()
        if item is None:
            break
        question = study.question(item)
        if item.card.id == first.card.id:
            seen_again = True
            assert question.mode is Mode.TYPE
            if not typed_wrong:  # get it wrong once: it must come back
                typed_wrong = True
                response: object = "no idea"
            else:
                response = right_response(question, item)
        else:
            response = right_response(question, item)
        outcome = study.submit(item, question, response)
        study.answer(item, outcome.rating, outcome=outcome)
        clock.tick()
        if first.card.id in study._learned:
            break
    assert seen_again and typed_wrong
    assert first.card.id in study._learned
    modes = [log.mode for log in sample.stats.reviews(first.card.id)]
    assert modes == ["choice", "type", "type"]
    assert sample.check().ok


def test_match_round_rates_each_pair(sample: Collection) -> None:
    study, _ = session(sample, "match")
    round_ = study.match_round()
    assert round_ is not None
    question, items = round_
    assert 5 <= len(items) <= 6 and len({i.card.id for i in items}) == len(items)
    assert isinstance(question.answer, tuple)
    chosen: list[int | None] = list(question.answer)
    chosen[0] = question.answer[1]  # one wrong pair
    results = study.answer_match(question, items, chosen, seconds=12.5)
    assert [r.rating for r in results][:2] == [Rating.AGAIN, Rating.GOOD]
    assert all(sample.stats.reviews(i.card.id)[-1].mode == "match" for i in items)


@pytest.mark.parametrize(("given", "mode"), [("true_false", "truefalse"), ("Learn", "learn")])
def test_mode_names(given: str, mode: str) -> None:
    assert parse_mode(given) == mode


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        parse_mode("speed")


@pytest.mark.parametrize(("chosen", "overruled"), [(Rating.EASY, "right"), (Rating.AGAIN, "wrong")])
def test_a_rating_other_than_the_suggested_one_is_an_overrule(
    sample: Collection, chosen: Rating, overruled: str
) -> None:
    study, _ = session(sample, "choice")
    item = study.next()
    assert item is not None
    question = study.question(item)
    outcome = study.submit(item, question, question.answer)
    assert outcome.rating is Rating.GOOD
    study.answer(item, chosen, outcome=outcome)
    [log] = sample.stats.reviews(item.card.id)
    assert log.detail is not None and log.detail["overruled"] == overruled


def test_a_flip_card_is_never_an_overrule(sample: Collection) -> None:
    study, _ = session(sample, "flip")
    item = study.next()
    assert item is not None
    outcome = study.reveal(item, study.question(item))
    study.answer(item, Rating.AGAIN, outcome=outcome, overruled="wrong")
    [log] = sample.stats.reviews(item.card.id)
    assert log.mode == "flip" and log.detail is None


def test_the_counts_after_an_answer_come_with_it_and_are_the_counts_of_the_store(
    sample: Collection,
) -> None:
    """Right after an answer, the screen's counts are those the answer's own transaction
    made (no read of its own), and they are what the store counts; later, or after an
    undo, they are read again."""
    study, clock = session(sample, "flip")
    sample.set_setting("new_per_day", 6)
    statements: list[str] = []
    for rating in (Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.AGAIN, Rating.HARD):
        item = study.next()
        assert item is not None
        study.answer(item, rating)
        connection = sample._prepared._own  # SQLite's study connection (None on a server)
        if connection is not None:
            connection.set_trace_callback(statements.append)
        counts = study.counts()
        if connection is not None:
            connection.set_trace_callback(None)
        assert counts == sample.study.counts(clock.now)
        clock.tick(30)
    assert statements == []
    assert study.counts() == sample.study.counts(clock.now)
    study.undo()
    assert study.counts() == sample.study.counts(clock.now)
    assert study.counts().new == 6 - 4 + 1  # four new cards seen, one of them undone
