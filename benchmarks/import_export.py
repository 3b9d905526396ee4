"""Importing pasted cards at scale: retain against Anki's own engine (the ``anki`` package).

    .venv/bin/python benchmarks/import_export.py [--sizes 10000,100000] [--lines 1000000]
    .venv/bin/python benchmarks/import_export.py --smoke    # 1,000 cards, a 20,000-line file

For each size, a deck of generated revision cards (see `_common.generate_cards`) is written
as pasted text (a title line, then each question followed by its answer points, one a line)
and imported into an empty store, each way in a process of its own:

* ``retain import FILE``: the command a student runs (stdout a pipe, so no progress bar);
* retain in-process: ``formats.open_path`` then ``col.decks.import_deck`` as ``retain
  import`` calls them (``index_later``: the question index reads the new notes when the deck
  is first studied), timed inside the process; the note gives the time that index takes;
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

Anki packages (``--no-packages`` skips them): for each size, Anki's engine makes a deck of
the same cards (Basic notes, each with a review history of three answers over two weeks,
written into its review log) and exports it as an ``.apkg``. Then, each in a process of its
own and timed inside it:

* import: retain's ``read_path`` + ``col.decks.import_deck`` (history logged and replayed)
  against Anki's ``col.import_anki_package`` into an empty collection;
* export: retain's ``formats.apkg_write.write`` of the imported deck against Anki's
  ``col.export_anki_package`` of its imported deck;

and ``retain import FILE.apkg`` / ``retain export DECK --format apkg --out FILE`` as the
commands a student runs, for the whole process. The ratios are retain over Anki.
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


def write_csv_rows(path: Path, count: int, seed: int) -> int:
    """The first `count` generated cards as CSV (a header row, then front and back, the
    back's points one per line of a quoted field); returns the number of cards."""
    import csv

    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["front", "back"])
        for question, points in generate_cards(count, seed):
            writer.writerow([question, "\n".join(points)])
            written += 1
    return written


def worker(kind: str, source: Path, target: Path) -> int:
    """Import `source` into a new store at `target` and print {"import_s", "peak_mb"}."""
    out = sys.stdout
    sys.stdout = sys.stderr
    if kind == "retain":
        spent, note = _retain_in_process(source, target)
    elif kind in PACKAGE_WORKERS:
        spent, note = PACKAGE_WORKERS[kind](source, target)
    else:
        spent, note = _anki_import(kind, source, target)
    out.write(json.dumps({"import_s": spent, "peak_mb": peak_mb(), "note": note}) + "\n")
    return 0


def _retain_in_process(source: Path, target: Path) -> tuple[float, str]:
    from retain.collection import Collection
    from retain.formats import open_path

    with Collection.open(target, tz=UTC) as col:
        with stopwatch() as spent:
            report = col.decks.import_deck(
                open_path(source), now=datetime.now(UTC), index_later=True
            )
        # What `retain import` leaves for the first study: the question index of the deck.
        with stopwatch() as indexing:
            col.index.complete(report.deck.id)
    return spent[0], f"{report.added} added; its index later: {indexing[0]:.2f} s"


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


# -- Anki packages ---------------------------------------------------------------------------

HISTORY_DAYS = (0, 3, 14)


def make_anki_package(cards: Sequence[tuple[str, tuple[str, ...]]], path: Path) -> None:
    """An .apkg of the cards exported by Anki's engine, each card with three answers."""
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    folder = path.parent / f"make-{path.stem}"
    folder.mkdir(parents=True, exist_ok=True)
    col: Any = AnkiCollection(str(folder / "collection.anki2"))
    deck_id = col.decks.id(DECK_NAME)
    anki_add_cards(col, deck_id, cards)
    start = int(datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp() * 1000)
    rows = []
    for number, card_id in enumerate(sorted(col.find_cards(""))):
        for k, day in enumerate(HISTORY_DAYS):
            ease = 1 if (number + k) % 7 == 0 else 3
            rows.append(
                (start + day * 86_400_000 + number * 10 + k, card_id, ease, day or -600, 2500,
                 4000, 0 if k == 0 else 1)
            )
    col.db.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
        "VALUES (?, ?, -1, ?, ?, 0, ?, ?, ?)",
        rows,
    )
    col.export_anki_package(
        out_path=str(path),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=True, legacy=False
        ),
        limit=ExportLimit(deck_id=deck_id),
    )
    col.close()


def _retain_export(source: Path, target: Path) -> tuple[float, str]:
    """Time writing the deck of the store `target` (made by the in-process import of the
    package `source`, or made now) as a package."""
    from retain.collection import Collection
    from retain.core.model import DeckDraft, NoteDraft
    from retain.formats import apkg_write, read_path

    with Collection.open(target, tz=UTC) as col:
        decks = col.decks.all()
        if decks:
            deck = decks[0]
        else:
            deck = col.decks.import_deck(read_path(source), now=datetime.now(UTC)).deck
        with stopwatch() as spent:
            notes = tuple(NoteDraft(n.question, n.answer_points) for n in col.decks.notes(deck))
            draft = DeckDraft(deck.name, "apkg", notes)
            data = apkg_write.write(draft, media=col.decks.media_files(deck))
            target.with_suffix(".apkg").write_bytes(data)
    return spent[0], f"{len(notes)} cards, {len(data) / 1e6:.1f} MB"


def _anki_package(kind: str, source: Path, target: Path) -> tuple[float, str]:
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import (
        ExportAnkiPackageOptions,
        ExportLimit,
        ImportAnkiPackageOptions,
        ImportAnkiPackageRequest,
    )

    target.parent.mkdir(parents=True, exist_ok=True)
    col: Any = AnkiCollection(str(target))
    request = ImportAnkiPackageRequest(
        package_path=str(source),
        options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
    )
    with stopwatch() as spent:
        log = col.import_anki_package(request)
    note = f"{len(log.log.new)} added, {col.db.scalar('SELECT count() FROM revlog')} reviews"
    if kind == "anki-apkg-export":
        deck_id = col.decks.id_for_name(DECK_NAME)
        out = target.with_suffix(".apkg")
        with stopwatch() as spent:
            col.export_anki_package(
                out_path=str(out),
                options=ExportAnkiPackageOptions(
                    with_scheduling=False, with_deck_configs=False, with_media=True,
                    legacy=False,
                ),
                limit=ExportLimit(deck_id=deck_id),
            )
        note = f"{col.card_count()} cards, {out.stat().st_size / 1e6:.1f} MB"
    col.close()
    return spent[0], note


PACKAGE_WORKERS = {
    "retain-apkg-export": _retain_export,
    "anki-apkg-import": lambda source, target: _anki_package("anki-apkg-import", source, target),
    "anki-apkg-export": lambda source, target: _anki_package("anki-apkg-export", source, target),
}


def retain_export(home: Path, out: Path) -> Row:
    """`retain export DECK --format apkg --out FILE` from the store in `home`, as a process."""
    peak_file = home.parent / f"peak-export-{home.name}.txt"
    command = [*retain_command(), "export", DECK_NAME, "--format", "apkg", "--out", str(out)]
    started = time.perf_counter()
    result = subprocess.run(
        with_peak_memory(command, peak_file), capture_output=True, text=True,
        env=retain_env(home), check=False,
    )
    row = Row(0, "retain export --format apkg", process_s=time.perf_counter() - started,
              peak_mb=read_peak_mb(peak_file))
    if result.returncode != 0:
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        row.note, row.process_s = "failed: " + (lines[-1] if lines else "?"), None
    else:
        row.note = f"{out.stat().st_size / 1e6:.1f} MB"
    return row


def package_rows(tmpdir: Path, sizes: Sequence[int]) -> list[Row]:
    """Import and export of Anki packages, retain against Anki's engine."""
    rows: list[Row] = []
    for size in sizes:
        cards = list(generate_cards(size, seed=size))
        package = tmpdir / f"anki-{size}.apkg"
        progress(f"{size:,} cards: Anki makes the package")
        make_anki_package(cards, package)
        del cards
        progress(f"{size:,} cards: retain import FILE.apkg")
        home = tmpdir / f"apkg-home-{size}"
        row = retain_import(package, home, import_flags())
        row.size, row.what = size, "retain import FILE.apkg"
        rows.append(row)
        progress(f"{size:,} cards: retain export --format apkg")
        exported = retain_export(home, tmpdir / f"exported-{size}.apkg")
        exported.size = size
        rows.append(exported)
        for kind, what, target in (
            ("retain", "retain import (in-process)", f"apkg-in-{size}.sqlite3"),
            ("retain-apkg-export", "retain export (in-process)", f"apkg-in-{size}.sqlite3"),
            ("anki-apkg-import", "Anki import_anki_package", f"anki-in-{size}/c.anki2"),
            ("anki-apkg-export", "Anki export_anki_package", f"anki-out-{size}/c.anki2"),
        ):
            progress(f"{size:,} cards: {what}")
            try:
                elapsed, data = run_worker(kind, package, tmpdir / target)
                rows.append(Row(size, what, elapsed, data["import_s"], data["peak_mb"],
                                data["note"]))
            except RuntimeError as error:
                rows.append(Row(size, what, note=f"failed: {error}"))
    return rows


def print_package_rows(rows: Sequence[Row], sizes: Sequence[int]) -> None:
    print()
    print("Anki packages: import and export (s, MB; \"timed s\" is the import or the export alone)")
    print(f"{'cards':>9}  {'how':<33}{'process s':>10} {'timed s':>9} {'peak MB':>8}  result")
    for row in rows:
        print(f"{row.size:>9,}  {row.what:<33}{_fmt(row.process_s, '.2f'):>10} "
              f"{_fmt(row.import_s, '.2f'):>9} {_fmt(row.peak_mb, '.0f'):>8}  {row.note}")
    print()
    print("retain / Anki's engine, Anki packages (target: no slower than Anki):")
    for size in sizes:
        by = {row.what: row for row in rows if row.size == size}
        parts = []
        for label, ours, theirs in (
            ("import", "retain import (in-process)", "Anki import_anki_package"),
            ("export", "retain export (in-process)", "Anki export_anki_package"),
        ):
            a, b = by.get(ours), by.get(theirs)
            if a and b and a.import_s and b.import_s:
                ratio = a.import_s / b.import_s
                parts.append(f"{label} {ratio:.2f} ({'yes' if ratio <= 1 else 'NO'})")
                if a.peak_mb and b.peak_mb:
                    parts.append(f"{label} peak memory {a.peak_mb / b.peak_mb:.2f}")
        print(f"{size:>9,} cards: " + (", ".join(parts) or "-"))


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
    parser.add_argument("--no-packages", action="store_true",
                        help="skip the Anki packages (they need Anki's engine to be made)")
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
                rows.append(Row(size, "retain open_path + import_deck", elapsed,
                                data["import_s"], data["peak_mb"], data["note"]))
            except RuntimeError as error:
                rows.append(Row(size, "retain open_path + import_deck", note=f"failed: {error}"))
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
        large_csv: Row | None = None
        if args.lines:
            big = tmpdir / "pasted-large.txt"
            count = write_pasted_lines(big, args.lines, seed=1)
            mb = big.stat().st_size / 1e6
            progress(f"a {args.lines:,}-line file ({count:,} cards, {mb:.0f} MB): retain import")
            large = retain_import(big, tmpdir / "home-large", import_flags())
            large.size = count
            large.what = f"retain import, {args.lines:,} lines ({mb:.0f} MB)"
            big_csv = tmpdir / "rows-large.csv"
            count = write_csv_rows(big_csv, count, seed=1)
            mb = big_csv.stat().st_size / 1e6
            progress(f"the same {count:,} cards as CSV ({mb:.0f} MB): retain import")
            large_csv = retain_import(big_csv, tmpdir / "home-large-csv", import_flags())
            large_csv.size = count
            large_csv.what = f"retain import, {count:,} CSV rows ({mb:.0f} MB)"
        exported, export_note = export_rows(tmpdir, sizes)
        rows.extend(exported)
        packages: list[Row] = []
        if with_anki and not args.no_packages:
            packages = package_rows(tmpdir, sizes)

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
            inside = by.get("retain open_path + import_deck")
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
        for row in (large, large_csv):
            if row is None:
                continue
            verdict = "-"
            if row.peak_mb is not None and row.process_s is not None:
                verdict = "yes" if row.peak_mb < TARGET_PEAK_MB else "NO"
            print(f"  {row.what}, {row.size:,} cards: {_fmt(row.process_s, '.1f')} s, "
                  f"{_fmt(row.peak_mb, '.0f')} MB ({verdict}) — {row.note}")
    if packages:
        print_package_rows(packages, sizes)
    elif not args.no_packages:
        print("\nAnki packages: not measured (they are made with Anki's engine: "
              f"{no_anki_reason(args.no_anki)})")
    print()
    if not exported:
        print(export_note)
    progress(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
