"""Importing pasted cards at scale: retain against Anki's own engine (the ``anki`` package).

    .venv/bin/python benchmarks/import_export.py [--sizes 10000,100000] [--lines 1000000]
    .venv/bin/python benchmarks/import_export.py --smoke    # 1,000 cards, a 20,000-line file

For each size, a deck of generated revision cards (see `_common.generate_cards`) is written
as pasted text (a title line, then each question followed by its answer points, one a line)
and imported into an empty store, each way in a process of its own:

* ``retain import FILE``: the command a student runs (stdout a pipe, so no progress bar);
* retain in-process: ``formats.read_path`` then ``Collection.import_deck``, timed inside the
  process;
* Anki's text importer: the same cards as a tab-separated file (question, then the points
  joined by ``<br>``; Basic notes), read by ``col.get_csv_metadata`` and imported by
  ``col.import_csv``, the importer behind Anki's File > Import for text;
* Anki's ``col.add_notes``: one batch of ``AddNoteRequest``, the cards already in memory
  (the fastest way into an Anki collection, with no file to read).

"process s" is the whole process, from its start to its exit (interpreter, imports, opening
the store, reading, writing); "import s" is the import alone, timed inside. Peak memory is
the process's high-water mark. The ratios are retain over Anki's text importer.

Then a file of about a million lines goes through ``retain import``, for its peak memory
(target: under 300 MB).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import (
    ANKI_MISSING,
    anki_add_cards,
    anki_available,
    generate_cards,
    no_anki_reason,
    peak_mb,
    progress,
    read_peak_mb,
    retain_command,
    retain_env,
    stopwatch,
    with_peak_memory,
    write_pasted_lines,
    write_pasted_text,
)

DEFAULT_SIZES = (10_000, 100_000)
DEFAULT_LINES = 1_000_000
TARGET_PEAK_MB = 300.0
DECK_NAME = "Benchmark deck"


@dataclass
class Row:
    size: int
    what: str
    process_s: float | None = None
    import_s: float | None = None
    peak_mb: float | None = None
    note: str = ""


# -- the ways in, each run in a process of its own ------------------------------------------


def worker(kind: str, source: Path, target: Path) -> int:
    """Import `source` into a new store at `target` and print {"import_s", "peak_mb"}."""
    out = sys.stdout
    sys.stdout = sys.stderr
    if kind == "retain":
        spent, note = _retain_in_process(source, target)
    else:
        spent, note = _anki_import(kind, source, target)
    out.write(json.dumps({"import_s": spent, "peak_mb": peak_mb(), "note": note}) + "\n")
    return 0


def _retain_in_process(source: Path, target: Path) -> tuple[float, str]:
    from retain.collection import Collection
    from retain.formats import read_path

    with Collection.open(target, tz=UTC) as col, stopwatch() as spent:
        report = col.import_deck(read_path(source), now=datetime.now(UTC))
    return spent[0], f"{report.added} added"


def _anki_import(kind: str, source: Path, target: Path) -> tuple[float, str]:
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ImportCsvRequest

    target.parent.mkdir(parents=True, exist_ok=True)
    col: Any = AnkiCollection(str(target))
    if kind == "anki-csv":
        with stopwatch() as spent:
            metadata = col.get_csv_metadata(str(source), None)
            log = col.import_csv(ImportCsvRequest(path=str(source), metadata=metadata))
        note = f"{len(log.log.new)} added"
    else:
        cards = json.loads(source.read_text(encoding="utf-8"))
        with stopwatch() as spent:
            anki_add_cards(col, col.decks.id(DECK_NAME), cards)
        note = f"{col.card_count()} cards"
    col.close()
    return spent[0], note


def run_worker(kind: str, source: Path, target: Path) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(source),
         str(target)],
        capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit status {result.returncode}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return elapsed, data


def retain_import(source: Path, home: Path, extra: Sequence[str] = ()) -> Row:
    """`retain import FILE` into an empty data directory, as a process."""
    peak_file = home.parent / f"peak-{home.name}.txt"
    command = [*retain_command(), "import", *extra, str(source)]
    started = time.perf_counter()
    result = subprocess.run(
        with_peak_memory(command, peak_file), capture_output=True, text=True,
        env=retain_env(home), check=False,
    )
    elapsed = time.perf_counter() - started
    row = Row(0, "retain import FILE", process_s=elapsed, peak_mb=read_peak_mb(peak_file))
    if result.returncode != 0:
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        row.note = "failed: " + (lines[-1] if lines else f"exit status {result.returncode}")
        row.process_s = None
    else:
        added = re.search(r"(\d+) added", result.stdout)
        row.note = f"{added.group(1)} added" if added else result.stdout.strip()[-80:]
    return row


def import_flags() -> list[str]:
    """`--no-limit` when `retain import` has it (files over its size limit are refused
    without it)."""
    result = subprocess.run(
        [*retain_command(), "import", "--help"], capture_output=True, text=True, check=False
    )
    return ["--no-limit"] if "--no-limit" in result.stdout else []


def write_anki_text(path: Path, cards: Sequence[tuple[str, tuple[str, ...]]]) -> None:
    """The cards as Anki's text importer reads them: tab-separated, with its header lines."""
    with path.open("w", encoding="utf-8") as out:
        out.write("#separator:tab\n#html:true\n#notetype:Basic\n")
        out.write(f"#deck:{DECK_NAME}\n")
        for question, points in cards:
            out.write(f"{question}\t{'<br>'.join(points)}\n")


def export_rows(tmpdir: Path, sizes: Sequence[int]) -> tuple[list[Row], str]:
    """Exporting a deck back to pasted text, retain against Anki: the rows, and a line to
    print when there are none. retain has no export command yet; once it has, time it here
    the way `retain import` is timed above."""
    result = subprocess.run(
        [*retain_command(), "--help"], capture_output=True, text=True, check=False
    )
    if "export" not in result.stdout.split("Commands:")[-1]:
        return [], "Export: not measured (retain has no export command yet)."
    return [], "Export: `retain export` exists but is not timed yet."


# -- main -----------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="comma-separated numbers of cards to import")
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES,
                        help="lines of the large file imported for its peak memory (0: skip)")
    parser.add_argument("--smoke", action="store_true",
                        help="1,000 cards and a 20,000-line file: checks that the script runs")
    parser.add_argument("--no-anki", action="store_true", help="time retain only")
    parser.add_argument("--dir", type=Path, help="where to write the files (a temp dir)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, source, target = args.worker
        return worker(kind, Path(source), Path(target))
    if args.smoke:
        args.sizes, args.lines = "1000", 20_000
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    with_anki = not args.no_anki and anki_available()
    if not args.no_anki and not with_anki:
        progress(ANKI_MISSING)
    began = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="retain-import-", dir=args.dir) as tmp:
        tmpdir = Path(tmp)
        for size in sizes:
            cards = list(generate_cards(size, seed=size))
            pasted = tmpdir / f"pasted-{size}.txt"
            lines = write_pasted_text(pasted, cards)
            progress(f"{size:,} cards ({lines:,} lines): retain import")
            row = retain_import(pasted, tmpdir / f"home-{size}")
            row.size = size
            rows.append(row)
            progress(f"{size:,} cards: retain in-process")
            try:
                elapsed, data = run_worker("retain", pasted, tmpdir / f"in-process-{size}.sqlite3")
                rows.append(Row(size, "retain read_path + import_deck", elapsed,
                                data["import_s"], data["peak_mb"], data["note"]))
            except RuntimeError as error:
                rows.append(Row(size, "retain read_path + import_deck", note=f"failed: {error}"))
            if with_anki:
                anki_text = tmpdir / f"anki-{size}.txt"
                write_anki_text(anki_text, cards)
                progress(f"{size:,} cards: Anki's text importer")
                elapsed, data = run_worker(
                    "anki-csv", anki_text, tmpdir / f"anki-csv-{size}" / "collection.anki2"
                )
                rows.append(Row(size, "Anki import_csv (text file)", elapsed, data["import_s"],
                                data["peak_mb"], data["note"]))
                in_memory = tmpdir / f"cards-{size}.json"
                in_memory.write_text(json.dumps(cards), encoding="utf-8")
                progress(f"{size:,} cards: Anki add_notes")
                elapsed, data = run_worker(
                    "anki-add", in_memory, tmpdir / f"anki-add-{size}" / "collection.anki2"
                )
                rows.append(Row(size, "Anki add_notes (one batch)", elapsed, data["import_s"],
                                data["peak_mb"], data["note"]))
            del cards
        large: Row | None = None
        if args.lines:
            big = tmpdir / "pasted-large.txt"
            count = write_pasted_lines(big, args.lines, seed=1)
            mb = big.stat().st_size / 1e6
            progress(f"a {args.lines:,}-line file ({count:,} cards, {mb:.0f} MB): retain import")
            large = retain_import(big, tmpdir / "home-large", import_flags())
            large.size = count
            large.what = f"retain import, {args.lines:,} lines ({mb:.0f} MB)"
        exported, export_note = export_rows(tmpdir, sizes)
        rows.extend(exported)

    print("Import of pasted cards into an empty store (s, MB)")
    print(f"{'cards':>9}  {'how':<33}{'process s':>10} {'import s':>9} {'peak MB':>8}  "
          f"{'result'}")
    for row in rows:
        print(f"{row.size:>9,}  {row.what:<33}{_fmt(row.process_s, '.2f'):>10} "
              f"{_fmt(row.import_s, '.2f'):>9} {_fmt(row.peak_mb, '.0f'):>8}  {row.note}")
    if with_anki:
        print()
        print("retain / Anki's text importer (target: no slower than Anki):")
        for size in sizes:
            by = {row.what: row for row in rows if row.size == size}
            ours = by.get("retain import FILE")
            inside = by.get("retain read_path + import_deck")
            theirs = by.get("Anki import_csv (text file)")
            if theirs is None:
                continue
            parts = []
            if ours and ours.process_s and theirs.process_s:
                ratio = ours.process_s / theirs.process_s
                parts.append(f"process {ratio:.2f} ({'yes' if ratio <= 1 else 'NO'})")
            if inside and inside.import_s and theirs.import_s:
                ratio = inside.import_s / theirs.import_s
                parts.append(f"import alone {ratio:.2f} ({'yes' if ratio <= 1 else 'NO'})")
            if ours and ours.peak_mb and theirs.peak_mb:
                parts.append(f"peak memory {ours.peak_mb / theirs.peak_mb:.2f}")
            print(f"{size:>9,} cards: " + ", ".join(parts))
    else:
        print(f"(no Anki figures: {no_anki_reason(args.no_anki)})")
    if large is not None:
        print()
        print(f"Peak memory of `retain import` on a large file (target: under"
              f" {TARGET_PEAK_MB:.0f} MB):")
        verdict = "-"
        if large.peak_mb is not None and large.process_s is not None:
            verdict = "yes" if large.peak_mb < TARGET_PEAK_MB else "NO"
        print(f"  {large.what}, {large.size:,} cards: {_fmt(large.process_s, '.1f')} s, "
              f"{_fmt(large.peak_mb, '.0f')} MB ({verdict}) — {large.note}")
    print()
    if not exported:
        print(export_note)
    progress(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
