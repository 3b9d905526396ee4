"""retain stats: the figures from a studied deck, and the plots written as valid images."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from retain.cli import cli, stats_lines
from retain.collection import Collection
from retain.core.model import Rating
from tests.conftest import NOW, make_draft


def studied(col: Collection) -> None:
    deck = col.decks.import_deck(make_draft(6), now=NOW).deck
    exam_set = False
    for day in range(5):
        at = NOW + timedelta(days=day)
        for _ in range(60):
            item = col.study.next_card(at, deck)
            if item is None:
                break
            wrong = item.card.id % 3 == 0 and day == 2
            col.study.answer(
                item.card.id, Rating.AGAIN if wrong else Rating.GOOD, at, duration_ms=12_000,
                mode="type", points={0: True, 1: not wrong and item.card.id % 2 == 0},
            )
            at += timedelta(minutes=11)
        if not exam_set:  # the cards are first seen by FSRS's rules, then planned
            col.plans.set_exam(deck, NOW + timedelta(days=8), 10.0, frozenset(), at)
            exam_set = True


def test_the_figures_of_a_studied_deck(collection: Collection) -> None:
    studied(collection)
    deck = collection.decks.all()[0]
    figures = collection.stats.deck_stats(NOW + timedelta(days=5), deck)
    assert figures.cards == 6 and figures.new == 0
    by_label = {b.label: b for b in figures.retention}
    assert by_label["1 d"].reviews > 0
    assert 0 < (by_label["1 d"].rate or 0) <= 1
    assert len(figures.forecast) == 30
    assert [d.isoformat() for d, _, _ in figures.daily][:2] == ["2026-03-02", "2026-03-03"]
    assert figures.daily[0][2] > 0  # minutes
    assert len(figures.stabilities) == 6
    assert figures.weakest_points and figures.weakest_points[0].point.endswith("point b")
    assert figures.weakest_cards[0].recall_now <= figures.weakest_cards[-1].recall_now
    assert len(figures.readiness_history) == 5
    text = "\n".join(stats_lines(figures))
    assert "True retention" in text and "Weakest answer points" in text


def test_the_plots_are_written_as_valid_images(collection: Collection, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from retain.plots import FIGURES, write_plots

    studied(collection)
    figures = collection.stats.deck_stats(NOW + timedelta(days=5), collection.decks.all()[0])
    written = write_plots(figures, tmp_path / "plots")
    assert {p.name for p in written} == {
        f"{name}.{suffix}" for name in FIGURES for suffix in ("png", "svg")
    }
    for path in written:
        data = path.read_bytes()
        if path.suffix == ".png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            width = int.from_bytes(data[16:20], "big")
            height = int.from_bytes(data[20:24], "big")
            assert width > 400 and height > 300
        else:
            root = ElementTree.fromstring(data)
            assert root.tag.endswith("svg")


def test_retain_stats_on_an_empty_store_and_with_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    runner = CliRunner()
    home = str(tmp_path / "home")
    result = runner.invoke(cli, ["--home", home, "stats"])
    assert result.exit_code == 0, result.output
    assert "nothing studied yet" in result.output
    out = tmp_path / "figures"
    result = runner.invoke(cli, ["--home", home, "stats", "--plot", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "retention.png").is_file() and (out / "readiness.svg").is_file()
