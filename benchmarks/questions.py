"""Question generation: how often each mode is available on the sample deck, how alike
the options of a choice question are, and how long building a question takes.

    .venv/bin/python benchmarks/questions.py [--sizes 15,1000,5000] [--seeds 50]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

from retain.core.kinds import Lexicon, classify_point
from retain.core.model import DeckId, Note, NoteId
from retain.core.questions import Mode, QuestionUnavailable, _analyse, build_question

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "core" / "unit1-stalin-flashcards.expected.json"


def sample_deck() -> list[Note]:
    cards = json.loads(SAMPLE.read_text(encoding="utf-8"))["cards"]
    return [
        Note(NoteId(i + 1), DeckId(1), c["question"], tuple(c["answer_points"]))
        for i, c in enumerate(cards)
    ]


def synthetic_deck(size: int, seed: int = 7) -> list[Note]:
    """Cards made of the sample deck's words, dates and names, shuffled into new sentences."""
    rng = random.Random(seed)
    words = " ".join(p for n in sample_deck() for p in n.answer_points).split()
    notes = []
    for i in range(size):
        kind = i % 4
        if kind == 0:
            points: tuple[str, ...] = (f"{rng.randint(1, 28)} March {rng.randint(1800, 2000)}",)
            question = f"When did event {i} happen?"
        elif kind == 1:
            points = (f"{rng.randint(2, 99)}%",)
            question = f"What share of group {i} voted?"
        else:
            points = tuple(
                " ".join(rng.choice(words) for _ in range(rng.randint(4, 20))) + "."
                for _ in range(rng.randint(1, 4))
            )
            question = f"Why did {rng.choice(words)} {rng.choice(words)} ({i})?"
        notes.append(Note(NoteId(i + 1), DeckId(1), question, points))
    return notes


def quality(seeds: int) -> None:
    deck = sample_deck()
    lexicon = Lexicon.from_texts(
        [n.question for n in deck] + [p for n in deck for p in n.answer_points]
    )
    print("sample deck (15 cards), per mode: available cards / 15")
    for mode in Mode:
        ok = 0
        for note in deck:
            try:
                build_question(mode, note, deck, random.Random(0))
                ok += 1
            except QuestionUnavailable:
                pass
        print(f"  {mode.value:<11} {ok}/15")
    same = total = 0
    for note in deck:
        for seed in range(seeds):
            q = build_question(Mode.CHOICE, note, deck, random.Random(seed))
            assert q.kind is not None
            for option in q.options:
                total += 1
                same += classify_point(option, note.question, lexicon).kind is q.kind
    print(f"choice options of the answer's kind: {same}/{total} = {same / total:.1%}")


def timing(sizes: list[int]) -> None:
    print("build time (ms): cold = first question of a deck (analyses the deck), warm = later ones")
    for size in sizes:
        deck = sample_deck() if size == 15 else synthetic_deck(size)
        _analyse.cache_clear()
        start = time.perf_counter()
        build_question(Mode.CHOICE, deck[0], deck, random.Random(0))
        cold = (time.perf_counter() - start) * 1000
        rng = random.Random(1)
        per_mode: dict[str, float] = {}
        for mode in (Mode.CHOICE, Mode.TRUE_FALSE, Mode.CLOZE, Mode.MATCH):
            times = []
            for _ in range(50):
                note = rng.choice(deck)
                start = time.perf_counter()
                try:
                    build_question(mode, note, deck, rng)
                except QuestionUnavailable:
                    pass
                times.append((time.perf_counter() - start) * 1000)
            per_mode[mode.value] = statistics.median(times)
        warm = "  ".join(f"{m} {t:.2f}" for m, t in per_mode.items())
        print(f"  {size:>6} cards: cold {cold:8.1f}   warm p50: {warm}")
        print(f"  ({size} cards done)", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="15,1000,5000")
    parser.add_argument("--seeds", type=int, default=50)
    args = parser.parse_args()
    quality(args.seeds)
    timing([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
