"""Reading and writing Anki packages: the three collection versions, both media lists, the
stock note types, HTML turned into points, the review log, and hostile packages."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain import formats
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.formats import apkg, apkg_write
from retain.formats.errors import DeckImportError
from tests.formats.anki_packages import Note, collection, package

DAY = 86_400_000
T0 = int(datetime(2025, 1, 6, 9, 0, tzinfo=UTC).timestamp() * 1000)

NOTES = [
    Note("basic", ["What is <b>osmosis</b>?", "Water moves<br>across a membrane"]),
    Note("reversed", ["chien", "dog"], cards=2),
    Note("typein", ["gato", "cat"]),
    Note(
        "cloze", ["{{c1::Canberra}} is the capital of {{c2::Australia::country}}", "extra"], cards=2
    ),
]
EXPECTED = [
    ("What is osmosis?", ("Water moves", "across a membrane")),
    ("chien", ("dog",)),
    ("dog", ("chien",)),
    ("gato", ("cat",)),
    ("[...] is the capital of Australia", ("Canberra",)),
    ("Canberra is the capital of [country]", ("Australia",)),
]


def cards(draft: DeckDraft) -> list[tuple[str, tuple[str, ...]]]:
    return [(n.question, n.answer_points) for n in draft.notes]


@pytest.mark.parametrize("version", ["anki2", "anki21", "anki21b"])
def test_each_collection_version_is_read(version: str) -> None:
    data = package(collection(NOTES, deck="Biology"), version=version)
    draft = formats.read_data(data, source=f"deck.{version}.apkg")
    assert draft.format == "apkg"
    assert draft.title == "Biology"
    assert cards(draft) == EXPECTED


def test_a_package_is_known_by_its_content_not_its_name() -> None:
    data = package(collection(NOTES))
    assert formats.read_data(data, source="download.bin").format == "apkg"
    assert formats.read_data(data).format == "apkg"


@pytest.mark.parametrize("version", ["anki21", "anki21b"])
def test_media_come_with_both_kinds_of_media_list(version: str) -> None:
    image, sound = b"\x89PNG fake image", b"ID3 fake sound"
    notes = [Note("basic", ['<img src="cell.png"> What is this?', "A cell [sound:cell.mp3]"])]
    data = package(collection(notes), version=version, media={"cell.png": image, "cell.mp3": sound})
    draft = apkg.read(data)
    assert cards(draft) == [("[image: cell.png] What is this?", ("A cell [sound:cell.mp3]",))]
    assert {m.name: m.load() for m in draft.media} == {"cell.png": image, "cell.mp3": sound}
    assert {m.name: m.size for m in draft.media}["cell.png"] == len(image)


@pytest.mark.parametrize(
    ("html", "lines"),
    [
        ("one<br>two<br/>three", ["one", "two", "three"]),
        ("<div>one</div><div>two</div>", ["one", "two"]),
        ("<ul><li>one</li><li>two</li></ul>", ["one", "two"]),
        ("<p>one</p>after", ["one", "after"]),
        ("a &amp; b &lt;c&gt; &nbsp;d", ["a & b <c> d"]),
        ("<script>alert('x')</script>kept", ["kept"]),
        ('<img src="x.png" onerror="alert(1)">', ["[image: x.png]"]),
        ('<a href="javascript:alert(1)" onclick="steal()">link</a>', ["link"]),
        ("<style>body{display:none}</style><b>bold</b> text", ["bold text"]),
        ('<div onmouseover="x()">text<iframe src="evil"></iframe></div>', ["text"]),
        ("plain\ntext", ["plain text"]),  # a new line in HTML is a space
    ],
)
def test_html_becomes_clean_lines(html: str, lines: list[str]) -> None:
    assert apkg.html_to_lines(html) == lines


def test_scripts_and_event_handlers_never_reach_a_card() -> None:
    notes = [
        Note(
            "basic",
            [
                'Q<script>document.cookie</script><img src="a.png" onerror="alert(1)">',
                '<div onclick="evil()">answer</div><svg onload="x()"></svg>',
            ],
        )
    ]
    draft = apkg.read(package(collection(notes)))
    text = repr(cards(draft))
    assert "script" not in text and "onerror" not in text and "onclick" not in text
    assert cards(draft) == [("Q [image: a.png]", ("answer",))]


def test_the_review_log_comes_with_its_cards() -> None:
    reviews = {
        0: [
            (T0, 3, -600, 0, 8000),  # learning, Good, 10 minutes
            (T0 + DAY, 3, 3, 1, 5000),  # review, Good, 3 days
            (T0 + 2 * DAY, 0, 7, 4, 0),  # a reschedule: not an answer
            (T0 + 4 * DAY, 1, -600, 1, 12000),  # review, Again
        ]
    }
    draft = apkg.read(package(collection([Note("basic", ["Q", "A"], reviews=reviews)])))
    history = draft.notes[0].history
    assert [r.rating for r in history] == [Rating.GOOD, Rating.GOOD, Rating.AGAIN]
    assert history[0].reviewed_at == datetime.fromtimestamp(T0 / 1000, UTC)
    assert [r.duration_ms for r in history] == [8000, 5000, 12000]
    assert history[1].detail == {"anki": {"kind": "review", "interval": 3, "ease_factor": 2500}}


def test_a_forget_starts_the_history_again() -> None:
    reviews = {0: [(T0, 3, 1, 0, 1000), (T0 + DAY, 0, 0, 4, 0), (T0 + 2 * DAY, 4, 4, 0, 900)]}
    draft = apkg.read(package(collection([Note("basic", ["Q", "A"], reviews=reviews)])))
    assert [(r.rating, r.duration_ms) for r in draft.notes[0].history] == [(Rating.EASY, 900)]


def test_tags_come_in_and_go_out() -> None:
    notes = [Note("basic", ["Q", "A"], tags=" biology unit::2  biology ")]
    draft = apkg.read(package(collection(notes)))
    assert draft.notes[0].tags == ("biology", "unit::2")
    assert apkg.read(apkg_write.write(draft)).notes[0].tags == ("biology", "unit::2")


def test_anki_scheduler_settings_are_offered() -> None:
    params = [round(0.1 * i + 0.2, 4) for i in range(21)]
    dconf = {"1": {"id": 1, "fsrsParams6": params, "desiredRetention": 0.87}}
    draft = apkg.read(package(collection(NOTES, dconf=dconf)))
    assert draft.scheduler is not None
    assert draft.scheduler.desired_retention == 0.87
    assert draft.scheduler.parameters == tuple(params)


def test_fsrs5_parameters_are_offered_as_fsrs6_ones() -> None:
    params = [round(0.1 * i + 0.2, 4) for i in range(19)]
    draft = apkg.read(package(collection(NOTES, dconf={"1": {"fsrsParams5": params}})))
    assert draft.scheduler is not None
    assert draft.scheduler.parameters == (*params, 0.0, 0.5)
    assert draft.scheduler.desired_retention is None


# -- writing -----------------------------------------------------------------------------------

_piece = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"))
    | st.sampled_from([" ", "<", ">", "&", '"', "'", "\t", ",", ";", "é", "日"]),
    max_size=12,
) | st.sampled_from(["::", "{{c1::x}}", "<b>", "&amp;", "[sound:a.mp3]", "\n", "<br>"])
# Fields are text: whitespace runs read back as one space, so the strategy writes them so.
_text = (
    st.lists(_piece, min_size=1, max_size=4)
    .map(lambda s: " ".join("".join(s).split()))
    .filter(bool)
)


@settings(max_examples=25, deadline=None)
@given(
    title=_text,
    notes=st.lists(
        st.tuples(_text, st.lists(_text, min_size=1, max_size=4)),
        min_size=1,
        max_size=6,
        unique_by=lambda n: n[0],
    ),
    type_in=st.booleans(),
)
def test_read_write_round_trip(
    title: str, notes: list[tuple[str, list[str]]], type_in: bool
) -> None:
    deck = DeckDraft(title, "apkg", tuple(NoteDraft(q, tuple(p)) for q, p in notes))
    back = apkg.read(apkg_write.write(deck, type_in=type_in, timestamp=1.7e9))
    assert back == deck


def test_written_media_go_into_the_package(tmp_path: pytest.TempPathFactory) -> None:
    image = tmp_path / "stored-under-a-hash"  # type: ignore[operator]
    image.write_bytes(b"\x89PNG image")
    deck = DeckDraft("D", "apkg", (NoteDraft("[image: eye.png] What is it?", ("An eye",)),))
    back = apkg.read(apkg_write.write(deck, media=[("eye.png", image)]))
    assert cards(back) == [("[image: eye.png] What is it?", ("An eye",))]
    assert [(m.name, m.load()) for m in back.media] == [("eye.png", b"\x89PNG image")]


# -- hostile packages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../../evil.sh", "/etc/passwd", "a/b.png", "..\\x.png", "C:x.png", "..", "a\x00b"]
)
def test_a_media_name_that_is_a_path_is_refused(name: str) -> None:
    data = package(collection(NOTES), media={name: b"x"})
    with pytest.raises(DeckImportError, match="not a plain file name"):
        apkg.read(data)


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki21", collection(NOTES))
        archive.writestr("media", '{"0": "bomb.png"}')
        archive.writestr("0", b"\0" * (50 * 1024 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(DeckImportError, match="zip bomb"):
            apkg.read(out.getvalue())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_a_member_that_lies_about_its_size_is_not_read_past_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(apkg, "MAX_COLLECTION_BYTES", 64 * 1024)
    data = package(collection(NOTES + [Note("basic", ["x" * 100_000, "y"])]))
    with pytest.raises(DeckImportError, match="larger than"):
        apkg.read(data)


def test_a_package_over_the_total_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apkg, "MAX_TOTAL_BYTES", 100_000)
    data = package(collection(NOTES), media={"big.png": b"\x01\x02" * 60_000})
    with pytest.raises(DeckImportError, match="would unpack to"):
        apkg.read(data)


def test_too_many_entries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apkg, "MAX_ENTRIES", 50)
    data = package(collection(NOTES), extra={f"junk{i}": b"" for i in range(60)})
    with pytest.raises(DeckImportError, match="more than 50"):
        apkg.read(data)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_a_truncated_package_gets_a_clear_error(keep: float) -> None:
    data = package(collection(NOTES), media={"a.png": b"image" * 1000})
    with pytest.raises(DeckImportError, match="damaged|cut short|not an Anki package"):
        formats.read_data(data[: int(len(data) * keep)], source="cut.apkg")


def test_a_package_with_damaged_bytes_gets_a_clear_error() -> None:
    data = bytearray(package(collection(NOTES), version="anki21b"))
    start = data.index(b"collection.anki21b") + 60
    data[start : start + 200] = b"\xff" * 200
    with pytest.raises(DeckImportError):
        apkg.read(bytes(data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all, just text\n", "no cards|not"),
        (b"PK\x03\x04" + b"\x00" * 100, "damaged|cut short"),
        (b"PK\x05\x06" + b"\x00" * 18, "not an Anki package"),
    ],
)
def test_a_file_named_apkg_that_is_not_one_gets_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(DeckImportError, match=message):
        formats.read_data(data, source="deck.apkg")


def test_a_zip_of_something_else_says_so() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<xml/>")
    with pytest.raises(DeckImportError, match="not an Anki package"):
        formats.read_data(out.getvalue(), source="essay.docx")


def test_a_collection_that_is_not_a_database_gets_a_clear_error() -> None:
    with pytest.raises(DeckImportError, match="not an SQLite database"):
        apkg.read(package(b"garbage" * 100))
    damaged = bytearray(collection(NOTES))
    damaged[200:4000] = b"\x07" * 3800
    with pytest.raises(DeckImportError, match="collection"):
        apkg.read(package(bytes(damaged)))


def test_a_newer_package_version_is_refused_with_advice() -> None:
    data = package(collection(NOTES), extra={"meta": b"\x08\x09"})
    with pytest.raises(DeckImportError, match="newer Anki"):
        apkg.read(data)


def test_an_unclosed_cloze_is_read_in_linear_time() -> None:
    text = "{{c1::" * 20_000
    question, points = apkg._cloze(text, 1)
    assert points == ()
