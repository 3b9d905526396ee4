"""Reading a deck from a file or from bytes: detection, and files that cannot be read."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain import formats
from retain.formats import read_data, read_path
from retain.formats.errors import DeckImportError

SAMPLE = (
    Path(__file__).resolve().parents[2] / "src" / "retain" / "data" / "unit1-stalin-flashcards.txt"
)


def test_read_path_reads_the_sample() -> None:
    deck = read_path(SAMPLE)
    assert deck.format == "text/questions"
    assert len(deck.notes) == 15
    assert deck.title is not None and deck.title.endswith("Flashcards")


def test_read_data_detects_pasted_text() -> None:
    deck = read_data("term\tdefinition\n".encode("utf-16"), source="paste")
    assert deck.format == "text/tab"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda d: d / "missing.txt", "no such file", id="missing"),
        pytest.param(lambda d: d, "folder", id="directory"),
        pytest.param(lambda d: _write(d / "empty.txt", b""), "empty", id="empty-file"),
        pytest.param(lambda d: _write(d / "blank.txt", b" \r\n\n"), "empty", id="blank-file"),
        pytest.param(
            lambda d: _write(d / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            "PNG image",
            id="png",
        ),
        pytest.param(
            lambda d: _write(d / "notes.txt", b"nothing here looks like a card\n"),
            "no cards found",
            id="no-cards",
        ),
        pytest.param(lambda d: d / "file.txt" / "inside", "cannot be read", id="not-a-directory"),
    ],
)
def test_read_path_errors_name_the_file(
    make: Callable[[Path], Path], message: str, tmp_path: Path
) -> None:
    _write(tmp_path / "file.txt", b"x")
    path = make(tmp_path)
    with pytest.raises(DeckImportError, match=message) as raised:
        read_path(path)
    assert raised.value.source == str(path)
    assert str(path) in str(raised.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions")
def test_read_path_unreadable_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "locked.txt", b"What is it?\nA thing\n")
    path.chmod(0)
    try:
        with pytest.raises(DeckImportError, match="permission denied") as raised:
            read_path(path)
    finally:
        path.chmod(0o600)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(PermissionError(13, "Permission denied"), "permission denied", id="eacces"),
        pytest.param(OSError(5, "Input/output error"), "Input/output error", id="eio"),
    ],
)
def test_read_path_os_errors(
    error: OSError, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "deck.txt", b"What is it?\nA thing\n")

    def fail(self: Path, *args: object, **kwargs: object) -> BinaryIO:
        raise error

    monkeypatch.setattr(Path, "open", fail)
    with pytest.raises(DeckImportError, match=message) as raised:
        read_path(path)
    assert raised.value.source == str(path)


def test_format_modules_follow_the_reader_protocol() -> None:
    import importlib

    for name in formats.FORMAT_MODULES:
        module = importlib.import_module(name)
        assert isinstance(module.NAME, str)
        score = module.sniff(b"What is it?\nA thing\n", None)
        assert 0 <= score <= 1
        if score > 0:
            assert module.read(b"What is it?\nA thing\n", source=None).notes
        else:  # a format that is not text refuses it with a message
            with pytest.raises(formats.DeckImportError):
                module.read(b"What is it?\nA thing\n", source=None)


def test_importing_formats_is_light() -> None:
    """Importing the package loads no format module; reading loads them on demand."""
    code = (
        "import sys, retain.formats\n"
        "assert 'retain.formats.text' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_read_data_raises_only_deck_import_error(data: bytes) -> None:
    try:
        read_data(data, source="fuzz")
    except DeckImportError as error:
        assert error.source == "fuzz"
