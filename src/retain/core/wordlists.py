"""The words of each language the grader knows, looked up without loading them.

The word lists are pyspellchecker's (hundreds of thousands of words a language, shipped as
gzipped JSON). Loading one into a set takes 0.1-0.4 s and some 15 MB, which a student would
wait for at the first typed answer in that language. So the lists are written once into a
small SQLite file in the user's cache directory (one per pyspellchecker version, about two
seconds the first time on a machine), and a question only looks up the words it has: a
few dozen indexed reads, a fraction of a millisecond. Where no cache can be written, the
lists are loaded into memory as before. Either way the words are exactly pyspellchecker's,
lower-cased.
"""

from __future__ import annotations

import gzip
import json
import os
import pkgutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

_BATCH = 500
"""Words looked up by one statement (SQLite allows some thousands of parameters)."""
_REMEMBERED = 50_000
"""Answers looked up in the cache file that are remembered in memory (a deck's words recur
from card to card), at most: a few MB."""


def _words_of(lang: str) -> frozenset[str]:
    """pyspellchecker's words of `lang`, lower-cased, as `SpellChecker(language=lang)` has
    them."""
    data = pkgutil.get_data("spellchecker", f"resources/{lang}.json.gz")
    if data is None:
        raise ValueError(f"no word list for {lang!r}")
    return frozenset(key.lower() for key in json.loads(gzip.decompress(data).decode("utf-8")))


def _cache_file(languages: tuple[str, ...]) -> Path:
    from platformdirs import user_cache_dir

    try:
        version = metadata.version("pyspellchecker")
    except metadata.PackageNotFoundError:
        version = "unknown"
    root = Path(os.environ.get("RETAIN_CACHE_DIR") or user_cache_dir("retain"))
    return root / f"words-{version}-{'-'.join(languages)}.sqlite3"


def _build(path: Path, languages: tuple[str, ...]) -> None:
    """Write the file whole under another name, then put it in place: a reader never sees
    half a file, and two processes building it at once both end with a whole one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=path.name, suffix=".partial", dir=path.parent)
    os.close(handle)
    try:
        db = sqlite3.connect(partial)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(
                "CREATE TABLE words (lang TEXT NOT NULL, word TEXT NOT NULL,"
                " PRIMARY KEY (lang, word)) WITHOUT ROWID"
            )
            for lang in languages:
                db.executemany(
                    "INSERT INTO words VALUES (?, ?)", ((lang, w) for w in sorted(_words_of(lang)))
                )
            db.commit()
        finally:
            db.close()
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


class WordLists:
    """Membership in each language's word list: from the cache file, or from memory."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._memory: dict[str, frozenset[str]] | None = None
        self._answers: dict[tuple[str, str], bool] = {}

    def _open(self) -> None:
        if self._db is not None or self._memory is not None:
            return
        path = _cache_file(self.languages)
        try:
            if not path.exists():
                _build(path, self.languages)
            db = sqlite3.connect(
                f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            db.execute("SELECT 1 FROM words LIMIT 1").fetchall()
            self._db = db
        except (OSError, sqlite3.Error):  # no cache to be had: the lists in memory
            self._memory = {}

    def known(self, lang: str, words: Iterable[str]) -> frozenset[str]:
        """Those of `words` (lower case) that are words of `lang`."""
        wanted = sorted(set(words))
        if not wanted:
            return frozenset()
        with self._lock:
            self._open()
            if self._db is None:
                assert self._memory is not None
                lexicon = self._memory.get(lang)
                if lexicon is None:
                    lexicon = self._memory[lang] = _words_of(lang)
                return frozenset(w for w in wanted if w in lexicon)
            answers = self._answers
            missing = [w for w in wanted if (lang, w) not in answers]
            if missing:
                if len(answers) + len(missing) > _REMEMBERED:
                    answers.clear()
                    missing = wanted
                found: set[str] = set()
                for start in range(0, len(missing), _BATCH):
                    batch = missing[start : start + _BATCH]
                    marks = ",".join("?" * len(batch))
                    found.update(
                        row[0]
                        for row in self._db.execute(
                            f"SELECT word FROM words WHERE lang = ? AND word IN ({marks})",
                            (lang, *batch),
                        )
                    )
                for w in missing:
                    answers[(lang, w)] = w in found
            return frozenset(w for w in wanted if answers[(lang, w)])

    def warm_up(self) -> None:
        """Build or open the cache now, rather than at the first word looked up."""
        with self._lock:
            self._open()


@cache
def word_lists(languages: tuple[str, ...]) -> WordLists:
    return WordLists(languages)
