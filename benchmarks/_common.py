"""Small helpers shared by the benchmarks: progress on stderr, percentiles, timing, the data
folder, generated revision decks, running `retain` as a process, and reading SemEval-2013
Task 7."""

from __future__ import annotations

import functools
import math
import os
import random
import resource
import shutil
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = REPO_ROOT / ".venv" / "bin"


def data_dir() -> Path:
    """The shared data sets: `$RETAIN_DATA`, else ``../shared/data`` beside the repository."""
    return Path(os.environ.get("RETAIN_DATA", str(REPO_ROOT.parent / "shared" / "data")))


def progress(message: str) -> None:
    """A line of progress on stderr (the figures go to stdout)."""
    print(f"· {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the nearest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed:` ... then `elapsed[0]` holds the seconds taken."""
    box: list[float] = [math.nan]
    started = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - started


@dataclass(frozen=True)
class SemEvalAnswer:
    """One student answer of SemEval-2013 Task 7, with its question's reference answers."""

    corpus: str
    question_id: str  # "corpus:id"
    module: str  # "corpus:module", the science domain for SciEntsBank
    question: str
    references: tuple[str, ...]
    reference_ids: tuple[str, ...]
    typed: str
    answer_match: str | None  # the reference the annotators matched (Beetle), if any
    correct: bool


def read_semeval(folder: Path, corpus: str) -> list[SemEvalAnswer]:
    """Every student answer in a folder of SemEval-2013 XML files (one per question)."""
    out: list[SemEvalAnswer] = []
    for path in sorted(folder.glob("*.xml")):
        root = ET.parse(path).getroot()
        question = (root.findtext("questionText") or "").strip()
        refs = [
            (r.get("id", ""), (r.text or "").strip())
            for r in root.iter("referenceAnswer")
            if (r.text or "").strip()
        ]
        for sa in root.iter("studentAnswer"):
            out.append(
                SemEvalAnswer(
                    corpus=corpus,
                    question_id=f"{corpus}:{root.get('id', path.stem)}",
                    module=f"{corpus}:{root.get('module', '')}",
                    question=question,
                    references=tuple(t for _, t in refs),
                    reference_ids=tuple(i for i, _ in refs),
                    typed=(sa.text or "").strip(),
                    answer_match=sa.get("answerMatch"),
                    correct=sa.get("accuracy") == "correct",
                )
            )
    return out


# -- memory and processes -------------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB.

    On Linux it is VmHWM, the high-water mark of this program's own memory. ru_maxrss is not
    used for it: Linux carries ru_maxrss over an exec, so a child started from a large
    process would report at least the size of its parent."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Starts a command and writes its ru_maxrss (KB) to a file: a small process to fork from,
# so that the child's figure is its own (see `peak_mb`).
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def with_peak_memory(command: Sequence[str], peak_file: Path) -> list[str]:
    """`command`, run so that its peak memory is written to `peak_file` when it ends (read it
    with `read_peak_mb`): under GNU time where it is installed, else a small Python
    launcher."""
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        return [str(gnu_time), "-q", "-f", "%M", "-o", str(peak_file), *command]
    return [sys.executable, "-S", "-c", _LAUNCHER, str(peak_file), *command]


def read_peak_mb(peak_file: Path) -> float | None:
    try:
        lines = peak_file.read_text().split()
        return int(lines[-1]) / 1024 if lines else None
    except (OSError, ValueError):
        return None


@functools.cache
def compile_retain() -> bool:
    """Compile retain's modules to bytecode once, as pip does when it installs a package and
    as Python does on a package's first run, so that a `retain` process started by a
    benchmark is timed as a student's is. (An editable checkout under
    ``PYTHONDONTWRITEBYTECODE``, as on some build machines, would otherwise compile every
    module from source at each start, while Anki's installed wheel is compiled already.)
    Returns whether every module compiled."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("retain")
    if spec is None or not spec.submodule_search_locations:
        return False
    return all(
        compileall.compile_dir(folder, quiet=1, workers=1)
        for folder in spec.submodule_search_locations
    )


def retain_command() -> list[str]:
    """The `retain` command of this checkout's virtual environment (else the one on PATH),
    its modules compiled to bytecode (`compile_retain`)."""
    compile_retain()
    script = VENV_BIN / "retain"
    if script.exists():
        return [str(script)]
    found = shutil.which("retain")
    return [found] if found else [sys.executable, "-m", "retain"]


def retain_env(home: Path) -> dict[str, str]:
    """The environment for a `retain` process on the SQLite store in `home`."""
    env = dict(os.environ, RETAIN_HOME=str(home))
    env.pop("RETAIN_DATABASE_URL", None)
    return env


def anki_available() -> bool:
    """Whether Anki's engine (the ``anki`` package, the `bench` extra) can be imported."""
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        return False
    return True


ANKI_MISSING = (
    "the anki package is not installed (pip install -e '.[bench]'): the Anki rows are skipped"
)


def no_anki_reason(asked_not_to: bool) -> str:
    return "--no-anki" if asked_not_to else ANKI_MISSING.split(": ")[0]


# -- generated revision decks ---------------------------------------------------------------
#
# Cards of the kinds students write: dates, people, numbers and amounts, short lists, and
# explanations of two to four points. Every place, person and institution is made up from
# syllables, so that each question is different and nothing comes from a real deck.

_SYLLABLES = (
    "al", "bar", "cor", "dun", "el", "fen", "gar", "hal", "is", "jor", "kel", "lin", "mar",
    "nor", "os", "pel", "quin", "ros", "sal", "tor", "ul", "var", "wen", "yor", "zan", "bri",
    "cal", "dra", "esk", "fal", "gil", "hob", "ith", "kar", "lud", "mel", "nev", "orm",
)
_PLACE_ENDINGS = ("ton", "by", "ford", "mouth", "wick", "dale", "mere", "holm", "gate", "ness")
_FIRST_NAMES = (
    "Ada", "Bruno", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
    "Keiko", "Lars", "Maya", "Nikhil", "Olga", "Pablo", "Rosa", "Samuel", "Tamsin", "Umar",
    "Vera", "Wilhelm", "Yusuf", "Zofia",
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_DATED = (
    ("the Treaty of {p}", "signed"), ("the {p} canal", "opened"), ("the {p} charter", "granted"),
    ("the {p} railway", "completed"), ("the {p} dock strike", "begin"),
    ("the {p} observatory", "founded"), ("the great flood of {p}", "happen"),
    ("the {p} reform act", "passed"), ("the {p} bridge", "finished"),
    ("the first {p} census", "taken"),
)
_PEOPLE = (
    "founded the {p} botanical society", "led the {p} expedition", "designed the {p} viaduct",
    "wrote the {p} report on sanitation", "first measured the {p} tides",
    "chaired the {p} water board", "discovered the {p} copper seam",
    "ran the {p} printing press", "mapped the {p} coastline",
)
_ROLES = (
    "an engineer", "a surveyor", "a chemist", "a magistrate", "a printer", "a botanist",
    "a merchant", "a cartographer",
)
_COUNTED = (
    ("How many workers did the {p} mills employ at their height?", "{n:,} workers"),
    ("What share of {p}'s land was farmed in the survey?", "{pct}%"),
    ("How long is the {p} tunnel?", "{km}.{d} km"),
    ("How much did the {p} harbour wall cost?", "£{n:,}"),
    ("How many ships used the {p} port each year?", "About {n:,} ships"),
    ("What was the population of {p} at the census?", "{n:,} people"),
)
_EXPLAINED = (
    "Why did the {p} textile trade decline?", "Why did {p} grow so quickly?",
    "Why was the {p} harbour rebuilt?", "Why did farmers in {p} switch to barley?",
    "How did the {p} water board improve public health?",
    "What were the effects of the {p} drought?", "Why did the {p} guilds lose influence?",
    "How did the railway change trade in {p}?",
)
_LISTED = (
    "What were the main exports of {p}?", "Which industries grew in {p}?",
    "What did the {p} charter allow?", "What features mark the {p} valley?",
)
_SUBJECTS = (
    "Cheaper imports", "The new railway", "Rising rents", "A run of poor harvests",
    "The river silting up", "Competition from steam mills", "Better drainage",
    "Tax relief for builders", "A shortage of skilled labour", "Loans from the county bank",
    "The opening of the canal", "Tighter rules on wells",
)
_VERBS = (
    "reduced", "raised", "weakened", "encouraged", "delayed", "doubled", "cut", "attracted",
    "replaced", "funded",
)
_OBJECTS = (
    "the price of cloth", "the number of small workshops", "demand for local wool",
    "trade with the coast", "the cost of moving goods", "cases of cholera",
    "the size of the workforce", "investment in new docks", "the income of tenant farmers",
    "the town's tax revenue",
)
_CONSEQUENCES = (
    "so many families moved to the cities", "which left the old quays empty",
    "and the council had to borrow to cover repairs", "so merchants looked for new markets",
    "which made the town a centre for engineering", "and wages fell for a decade",
    "so the harbour was dredged twice", "which brought in workers from the hills",
)
_GOODS = (
    "wool", "salt", "slate", "timber", "barley", "tin", "linen", "pottery", "dried fish",
    "copper", "rope", "glass", "leather", "paper",
)


def _place(rng: random.Random) -> str:
    parts = rng.choices((1, 2, 3), weights=(1, 4, 3))[0]
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(parts))
    return (stem + rng.choice(_PLACE_ENDINGS)).capitalize()


def _surname(rng: random.Random) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(2))
    return (stem + rng.choice(("er", "ley", "son", "e", ""))).capitalize()


def _date(rng: random.Random) -> str:
    style = rng.random()
    day, month, year = rng.randint(1, 28), rng.choice(_MONTHS), rng.randint(1650, 1990)
    if style < 0.6:
        return f"{day} {month} {year}"
    if style < 0.85:
        return f"{month} {year}"
    return str(year)


def _explanation(rng: random.Random) -> str:
    return (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}, "
        f"{rng.choice(_CONSEQUENCES)}."
    )


def _card(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """One card: (question, answer points)."""
    place = _place(rng)
    kind = rng.random()
    if kind < 0.2:
        thing, verb = rng.choice(_DATED)
        question = f"When was {thing.format(p=place)} {verb}?"
        if verb in ("begin", "happen"):
            question = f"When did {thing.format(p=place)} {verb}?"
        points: tuple[str, ...] = (_date(rng),)
        if rng.random() < 0.3:
            points += (f"Under the mayor {rng.choice(_FIRST_NAMES)} {_surname(rng)}",)
    elif kind < 0.4:
        question = f"Who {rng.choice(_PEOPLE).format(p=place)}?"
        name = f"{rng.choice(_FIRST_NAMES)} {_surname(rng)}"
        points = (name,)
        if rng.random() < 0.5:
            points += (f"{rng.choice(_ROLES).capitalize()} from {_place(rng)}",)
    elif kind < 0.55:
        template, answer = rng.choice(_COUNTED)
        question = template.format(p=place)
        points = (
            answer.format(
                n=rng.randint(120, 90_000), pct=rng.randint(3, 97), km=rng.randint(1, 40),
                d=rng.randint(0, 9),
            ),
        )
    elif kind < 0.7:
        question = rng.choice(_LISTED).format(p=place)
        points = tuple(g.capitalize() for g in rng.sample(_GOODS, rng.randint(2, 5)))
    else:
        question = rng.choice(_EXPLAINED).format(p=place)
        points = tuple(_explanation(rng) for _ in range(rng.randint(2, 4)))
    return question, points


def generate_cards(count: int, seed: int) -> Iterator[tuple[str, tuple[str, ...]]]:
    """`count` cards with distinct questions, the same for the same seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    made = 0
    while made < count:
        question, points = _card(rng)
        if question.lower() in seen:
            continue
        seen.add(question.lower())
        made += 1
        yield question, points


DECK_TITLE = "Local history and geography: revision cards"


def pasted_lines(cards: Iterable[tuple[str, Sequence[str]]]) -> Iterator[str]:
    """The cards as a student pastes them: a title line, then each question (ending in
    "?") followed by its answer points, one a line."""
    yield DECK_TITLE
    for question, points in cards:
        yield question
        yield from points


def write_pasted_text(path: Path, cards: Iterable[tuple[str, Sequence[str]]]) -> int:
    """Write the pasted text of the cards to `path`; returns the number of lines."""
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for line in pasted_lines(cards):
            out.write(line + "\n")
            lines += 1
    return lines


def write_pasted_lines(path: Path, line_count: int, seed: int) -> int:
    """Pasted text of about `line_count` lines (whole cards); returns the number of cards."""
    cards = 0
    lines = 1
    with path.open("w", encoding="utf-8") as out:
        out.write(DECK_TITLE + "\n")
        for question, points in generate_cards(10**9, seed):
            if lines + 1 + len(points) > line_count:
                break
            out.write(question + "\n")
            out.writelines(p + "\n" for p in points)
            lines += 1 + len(points)
            cards += 1
    return cards


def anki_add_cards(col: Any, deck_id: int, cards: Iterable[tuple[str, Sequence[str]]]) -> None:
    """Add cards to an Anki collection in one batch, as Basic notes whose back is the
    answer points one per line."""
    from anki.collection import AddNoteRequest

    basic = col.models.by_name("Basic")
    requests = []
    for question, points in cards:
        note = col.new_note(basic)
        note["Front"] = question
        note["Back"] = "<br>".join(points)
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    col.add_notes(requests)
