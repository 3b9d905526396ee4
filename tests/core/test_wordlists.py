"""The grader's word lists are looked up in a cache file, word for word the lists that
pyspellchecker ships, and in memory where no cache can be written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from spellchecker import SpellChecker

from retain.core import wordlists
from retain.core.textnorm import LANGUAGES, detect_language

SAMPLE = ["the", "house", "maison", "casa", "haus", "zzqx", "été", "über", "niño", "ran"]


def test_the_cache_holds_exactly_pyspellcheckers_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAIN_CACHE_DIR", str(tmp_path))
    lists = wordlists.WordLists(("es",))
    assert lists.known("es", ["casa"]) == {"casa"}
    (cache_file,) = tmp_path.glob("words-*.sqlite3")
    with sqlite3.connect(cache_file) as db:
        stored = {row[0] for row in db.execute("SELECT word FROM words WHERE lang = 'es'")}
    assert stored == set(SpellChecker(language="es", distance=1).word_frequency.dictionary)
    assert not list(tmp_path.glob("*.partial"))


def test_lookups_read_the_cache_and_load_no_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAIN_CACHE_DIR", str(tmp_path))
    cached = wordlists.WordLists(LANGUAGES)
    for lang in LANGUAGES:
        cached.known(lang, SAMPLE)
    assert cached._memory is None  # nothing loaded whole
    # Where the cache cannot be written, the lists are loaded: the same answers.
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("RETAIN_CACHE_DIR", str(blocked))
    in_memory = wordlists.WordLists(LANGUAGES)
    for lang in LANGUAGES:
        assert in_memory.known(lang, SAMPLE) == cached.known(lang, SAMPLE)
        checker = SpellChecker(language=lang, distance=1).word_frequency.dictionary
        assert cached.known(lang, SAMPLE) == {w for w in SAMPLE if w in checker}
    assert in_memory._memory is not None


def test_sides_of_cards_are_told_apart() -> None:
    assert detect_language("the house by the river") == "en"
    assert detect_language("la maison est grande et belle") == "fr"
    assert detect_language("el perro come la comida") == "es"
    assert detect_language("der Hund frisst das Futter") == "de"
