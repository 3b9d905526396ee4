"""Question generation: how often each mode is available on the sample deck, how alike
the options of a choice question are, and how long building a question takes.

    .venv/bin/python benchmarks/questions.py [--sizes 15,1000,5000] [--seeds 50]
    .venv/bin/python benchmarks/questions.py --smoke      # small decks, a few seeds

Questions are asked the way the study screens ask them: through a `StudySession` on a
`Collection` (a SQLite file in a temporary directory). The sample deck is the one that ships
with retain; the larger decks are generated revision cards (see `_common.generate_cards`),
imported as pasted text.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from _common import generate_cards, progress, write_pasted_text
from retain.collection import Collection, StudyItem
from retain.core.kinds import Lexicon, classify_point
from retain.core.model import Deck
from retain.core.questions import Mode
from retain.formats import read_path
from retain.paths import sample_deck_path
from retain.session import StudySession

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TIMED_MODES = ("choice", "truefalse", "cloze", "match", "auto")
QUALITY_MODES = ("choice", "truefalse", "cloze", "match", "type")


def import_deck(col: Collection, path: Path, name: str | None = None) -> Deck:
    return col.decks.import_deck(read_path(path), now=NOW, deck_name=name).deck


def cards_of(col: Collection, deck: Deck, count: int) -> list[StudyItem]:
    """The deck's cards (all new), in order."""
    return col.study.next_cards(NOW, deck, limit=count)


def session(col: Collection, deck: Deck, mode: str, seed: int) -> StudySession:
    return StudySession(col, deck, clock=lambda: NOW, rng=random.Random(seed), mode=mode)


def quality(col: Collection, seeds: int) -> None:
    deck = import_deck(col, sample_deck_path())
    items = cards_of(col, deck, 1000)
    notes = [item.note for item in items]
    lexicon = Lexicon.from_texts(
        [n.question for n in notes] + [p for n in notes for p in n.answer_points]
    )
    total_cards = len(items)
    print(f"sample deck ({total_cards} cards), per mode: cards that can be asked in it")
    for mode in QUALITY_MODES:
        wanted = Mode.TRUE_FALSE if mode == "truefalse" else Mode(mode)
        asking = session(col, deck, mode, 0)
        ok = sum(asking.question(item).mode is wanted for item in items)
        print(f"  {mode:<11} {ok}/{total_cards}")
    same = total = 0
    for seed in range(seeds):
        asking = session(col, deck, "choice", seed)
        for item in items:
            question = asking.question(item)
            if question.mode is not Mode.CHOICE or question.kind is None:
                continue
            for option in question.options:
                total += 1
                kind = classify_point(option, item.note.question, lexicon).kind
                same += kind is question.kind
    share = same / total if total else float("nan")
    print(f"choice options of the answer's kind: {same}/{total} = {share:.1%}")


def timing(col: Collection, tmpdir: Path, sizes: Sequence[int], questions: int) -> None:
    print("time to build a question (ms): first = the first question on a deck in this process,")
    print("then the median over later questions on random cards, per mode")
    for size in sizes:
        if size == 15:
            deck = import_deck(col, sample_deck_path(), "Sample deck, timed")
        else:
            source = tmpdir / f"generated-{size}.txt"
            write_pasted_text(source, generate_cards(size, seed=size))
            deck = import_deck(col, source, f"Generated {size}")
        items = cards_of(col, deck, size)
        rng = random.Random(1)
        asking = session(col, deck, "choice", 0)
        start = time.perf_counter()
        asking.question(items[0])
        first = (time.perf_counter() - start) * 1000
        per_mode: dict[str, float] = {}
        for mode in TIMED_MODES:
            asking = session(col, deck, mode, 1)
            asking.question(items[0])  # the session's own first question
            times = []
            for _ in range(questions):
                item = rng.choice(items)
                start = time.perf_counter()
                asking.question(item)
                times.append((time.perf_counter() - start) * 1000)
            per_mode[mode] = statistics.median(times)
        later = "  ".join(f"{m} {t:.2f}" for m, t in per_mode.items())
        print(f"  {size:>6} cards: first {first:8.1f}   later p50: {later}")
        progress(f"{size} cards done")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="15,1000,5000")
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--questions", type=int, default=50, help="timed questions per mode")
    parser.add_argument("--smoke", action="store_true", help="small decks, a few seeds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.seeds, args.questions = "15,200", 3, 5
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="retain-questions-") as tmp:
        store = Path(tmp) / "retain.sqlite3"
        with Collection.open(store, tz=UTC) as col:
            col.set_setting("new_per_day", 1_000_000)
            # Timed first, so that the sample deck is new to the process when it is timed.
            timing(col, Path(tmp), sizes, args.questions)
            print()
            quality(col, args.seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
