"""End to end in headless Chromium (Debian's `chromium`, driven by Playwright): a student
pastes the sample deck, fixes nothing, and studies five cards with typed answers, on a
desktop and on a 375 px phone; and an axe-core scan of every page.

Skipped when chromium or Playwright is not installed. Set RETAIN_SCREENSHOTS=DIR to keep a
screenshot of each step."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retain.collection import Collection
from retain.core.model import CardId
from tests.conftest import SAMPLE

CHROMIUM = os.environ.get("RETAIN_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() or shutil.which("chromium")),
        reason="chromium is not installed (apt-get install chromium)",
    ),
]

playwright_sync = pytest.importorskip("playwright.sync_api")

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 375, "height": 740},
}


class LiveServer:
    def __init__(self, store: Path) -> None:
        import uvicorn

        from retain.web import WebSettings, create_app

        self.store = store
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(
            create_app(WebSettings(target=store)), log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(tmp_path / "retain.sqlite3") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--headless", "--no-sandbox"],
        )
        yield launched
        launched.close()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("RETAIN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _new_page(browser: Any, viewport: str) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.request.method} {r.url}: {r.status}")
        if r.status >= 400
        else None,
    )
    return page, problems


def _feedback(page: Any, problems: list[str]) -> Any:
    """The feedback on the answer just sent; else the test fails with what the page shows
    instead, and the requests that failed."""
    try:
        return page.wait_for_selector('[data-testid="feedback"], [role="alert"]')
    finally:
        if page.locator('[data-testid="feedback"]').count() == 0:
            pytest.fail(
                f"no feedback: the page shows {page.inner_text('main')!r}; problems: {problems}"
            )


def _paste_sample_deck(page: Any, live: LiveServer, viewport: str) -> None:
    page.goto(live.url + "/import")
    page.fill("#text", SAMPLE.read_text(encoding="utf-8"))
    page.wait_for_selector(".draft-card")
    assert page.locator(".draft-card").count() == 15
    _shot(page, f"{viewport}-import-preview")
    page.click("#save-deck")
    page.wait_for_url("**/decks/*")
    assert "15 added" in page.inner_text("main")


def _answer_for(store: Path, card_id: int, how: str) -> str:
    """What a student types: every point (right), the first half of them (half right), or
    nothing of them (wrong). The text comes from the store, not from here."""
    col = Collection.open(store)
    try:
        points = list(col.study.card(CardId(card_id)).note.answer_points)
    finally:
        col.close()
    if how == "right":
        return "\n".join(points)
    if how == "half":
        return "\n".join(points[: max(1, len(points) // 2)])
    return "I do not remember this one at all"


def _points_of(store: Path, card_id: int) -> int:
    col = Collection.open(store)
    try:
        return len(col.study.card(CardId(card_id)).note.answer_points)
    finally:
        col.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_paste_the_sample_deck_and_study_five_typed_answers(
    browser: Any, live: LiveServer, viewport: str
) -> None:
    page, problems = _new_page(browser, viewport)
    _paste_sample_deck(page, live, viewport)
    page.goto(live.url + "/study?mode=type")
    wanted = ["right", "half", "wrong"]
    verdicts = {"right": "Correct", "half": "Partly right", "wrong": "Not this time"}
    seen: list[str] = []
    for answered in range(5):
        page.wait_for_selector('[data-testid="question"][data-mode="type"]')
        card_id = int(page.locator('input[name="card_id"]').first.input_value())
        if "half" in wanted and _points_of(live.store, card_id) >= 2:
            how = "half"
        else:
            how = next((w for w in wanted if w != "half"), "right")
        if how in wanted:
            wanted.remove(how)
        page.fill("#response", _answer_for(live.store, card_id, how))
        page.press("#response", "Enter")  # Enter checks the answer
        feedback = _feedback(page, problems)
        verdict = page.inner_text('[data-testid="verdict"]')
        assert verdicts[how] in verdict, (how, verdict)
        graded = page.locator(".graded-points li")
        covered = page.locator(".graded-points li.covered").count()
        if how == "right":
            assert covered == graded.count()
        elif how == "half":
            assert 0 < covered < graded.count()
        else:
            assert covered == 0
        suggested = page.locator("[data-suggested] .rating-interval").inner_text()
        assert suggested
        seen.append(how)
        if answered < 3:
            _shot(page, f"{viewport}-feedback-{how}")
        assert feedback is not None
        page.keyboard.press("Space")  # Space takes the suggested rating
        page.wait_for_selector('[data-testid="recorded"]')
        assert f"back in {suggested}" in page.inner_text('[data-testid="recorded"]')
        assert page.inner_text('[data-testid="done-count"]') == str(answered + 1)
    assert set(seen[:3]) == {"right", "half", "wrong"}
    assert page.inner_text('[data-testid="new-count"]') == "10 new"
    _shot(page, f"{viewport}-study-after-five")
    page.goto(live.url + "/")
    text = page.inner_text("main")
    assert "answered 5 cards today" in text
    _shot(page, f"{viewport}-decks-after")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], "the page scrolls sideways"
    assert problems == []


def test_undo_and_overrule_from_the_keyboard(browser: Any, live: LiveServer) -> None:
    page, problems = _new_page(browser, "desktop")
    _paste_sample_deck(page, live, "desktop")
    page.goto(live.url + "/study?mode=type")
    page.wait_for_selector('[data-testid="question"]')
    page.fill("#response", "no idea")
    page.press("#response", "Enter")
    page.wait_for_selector('[data-testid="feedback"]')
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("r")  # "I was right"
    page.wait_for_selector('[data-testid="recorded"]')
    assert "you were right" in page.inner_text('[data-testid="recorded"]')
    # The next question's text box takes the focus once the swap settles: leave it then.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'response'")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("u")
    page.wait_for_selector("text=Took back your answer")
    assert page.inner_text('[data-testid="done-count"]') == "0"
    assert problems == []


def _axe_pages(page: Any, live: LiveServer) -> Iterator[str]:
    page.goto(live.url + "/")
    yield "decks (empty)"
    _paste_sample_deck(page, live, "axe")
    yield "deck editor"
    page.goto(live.url + "/")
    yield "decks"
    page.goto(live.url + "/import")
    page.fill("#text", SAMPLE.read_text(encoding="utf-8"))
    page.wait_for_selector(".draft-card")
    yield "import with preview"
    for mode in ("type", "choice", "flip", "cloze", "truefalse", "match"):
        page.goto(live.url + f"/study?mode={mode}")
        yield f"study ({mode})"
    page.goto(live.url + "/study?mode=type")
    page.fill("#response", "something")
    page.press("#response", "Enter")
    page.wait_for_selector('[data-testid="feedback"]')
    yield "study feedback"
    page.goto(live.url + "/stats")
    yield "stats"
    page.goto(live.url + "/decks/999")
    yield "error page"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_passes_axe_and_fits_the_screen(
    browser: Any, live: LiveServer, viewport: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page, _problems = _new_page(browser, viewport)
    found: dict[str, list[str]] = {}
    for name in _axe_pages(page, live):
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORTS[viewport]["width"]:
            bad.append(f"the page is {width}px wide: it scrolls sideways")
        if bad:
            found[name] = bad
    assert found == {}


class ClassServer(LiveServer):
    """Server mode (accounts, sign-in) on a store of its own: PostgreSQL when
    RETAIN_TEST_DATABASE_URL is set, SQLite otherwise. The app is the one `retain serve
    --database` runs (`WebSettings(accounts=True)`), in one process."""

    def __init__(self, target: str | Path) -> None:
        import uvicorn

        from retain.web import WebSettings, create_app

        self.target = target
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        app = create_app(WebSettings(target=target, accounts=True))
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )


@pytest.fixture
def class_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ClassServer]:
    target: str | Path = tmp_path / "retain.sqlite3"
    if os.environ.get("RETAIN_TEST_DATABASE_URL"):
        target = request.getfixturevalue("postgres_url")
    with ClassServer(target) as server:
        yield server


def _sign_up(page: Any, server: ClassServer, name: str, role: str) -> None:
    page.goto(server.url + "/signup")
    page.fill("#name", name)
    page.fill("#password", "a long enough password")
    page.check(f'input[name="role"][value="{role}"]')
    page.click('button:has-text("Make the account")')
    page.wait_for_url(server.url + ("/classes" if role == "teacher" else "/"))
    assert name in page.inner_text("header")


def _student_card(target: str | Path, card_id: int) -> list[str]:
    """The answer points of a student's card, read from the store."""
    from sqlalchemy import select

    from retain.storage import schema

    col = Collection.open(target)
    try:
        with col.engine.connect() as conn:
            owner = conn.execute(
                select(schema.cards.c.account_id).where(schema.cards.c.id == card_id)
            ).scalar_one()
        return list(col.as_account(owner).study.card(CardId(card_id)).note.answer_points)
    finally:
        col.close()


def test_a_teacher_sees_a_student_s_progress_and_most_missed_points(
    browser: Any, class_server: ClassServer
) -> None:
    expect = playwright_sync.expect
    server = class_server
    teacher, teacher_problems = _new_page(browser, "desktop")
    _sign_up(teacher, server, "Ms Rivera", "teacher")
    _paste_sample_deck(teacher, server, "class")
    teacher.goto(server.url + "/classes")
    teacher.fill("#class-name", "History 10A")
    teacher.click('button:has-text("Create")')
    teacher.wait_for_url("**/classes/*")
    code = teacher.inner_text(".join-code").strip()
    assert code
    class_page = teacher.url
    teacher.click('button:has-text("Assign")')
    teacher.wait_for_selector("text=No student has joined yet.")
    _shot(teacher, "class-teacher-before")

    student, student_problems = _new_page(browser, "phone")
    _sign_up(student, server, "Sam Okafor", "student")
    student.goto(server.url + "/classes")
    student.fill("#join-code", code)
    student.click('button:has-text("Join the class")')
    student.wait_for_url(server.url + "/classes")
    study_link = student.locator('main a[href^="/study?deck="]')
    assert "History 10A" in student.inner_text("main")
    href = study_link.get_attribute("href")
    assert href is not None and href.startswith("/study?deck=")
    _shot(student, "class-student-joined")
    # Signed in, the phone's page still fits its width: it does not scroll sideways.
    width = student.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS["phone"]["width"], "the page scrolls sideways"
    student.goto(server.url + href + "&mode=type")

    # Right, half right, wrong: the half and the wrong answers leave points missed.
    missed: set[str] = set()
    plan = ["right", "half", "wrong"]
    for answered, how in enumerate(plan, start=1):
        student.wait_for_selector('[data-testid="question"][data-mode="type"] #response')
        try:
            card_id = int(student.locator('#study input[name="card_id"]').first.input_value())
        except Exception:
            pytest.fail(
                f"no card in the question at {student.url}: the page shows "
                f"{student.inner_text('body')!r}; problems: {student_problems}"
            )
        points = _student_card(server.target, card_id)
        if how == "half" and len(points) < 2:
            how = "right"
        shown = {"right": points, "half": points[: len(points) // 2], "wrong": []}[how]
        typed = "\n".join(shown) if shown else "I do not remember this one at all"
        missed.update(p for p in points if p not in shown)
        student.fill("#response", typed)
        student.press("#response", "Enter")
        # Only the feedback has the suggested rating, and it has the focus once htmx has
        # swapped it in and set it up: Space then takes that rating through htmx.
        expect(student.locator("[data-suggested]")).to_be_focused()
        if answered == 2:
            _shot(student, "class-student-feedback")
        student.keyboard.press("Space")
        # The count of the day's answers is new only in the page that follows the rating,
        # and the next question's text box has the focus once that page is set up.
        expect(student.locator('[data-testid="done-count"]')).to_have_text(str(answered))
        expect(student.locator("#response")).to_be_focused()
        assert student.locator('[data-testid="recorded"]').count() == 1
    _shot(student, "class-student-after")
    assert missed

    teacher.goto(class_page)
    row = teacher.locator("tr", has_text="Sam Okafor")
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[0] == "3 / 15", cells  # seen of the deck's cards
    assert cells[2] == "3", cells  # answers
    listed = teacher.locator("section.class-deck h3:has-text('Points missed most') + ol > li")
    assert listed.count() >= 1
    for text in listed.all_inner_texts():
        point = text.split(" in “", 1)[0].strip()
        assert point in missed, (point, missed)
        assert "missed 1 of 1" in text, text
    _shot(teacher, "class-teacher-after")
    assert teacher_problems == [] and student_problems == []


def _fits(page: Any, viewport: str, where: str) -> list[str]:
    """What overflows the screen's width on the page now: the page itself, or an element
    of the header or main whose box goes past the right edge."""
    limit = VIEWPORTS[viewport]["width"]
    found = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > limit:
        found.append(f"{where}: the page is {width}px wide")
    past = page.evaluate(
        """limit => Array.from(document.querySelectorAll('header *, main *'))
        .filter(e => e.getClientRects().length && !e.closest('.table-wrap')
                 && e.getBoundingClientRect().right > limit + 0.5)
        .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))
        .slice(0, 5)""",
        limit,
    )
    found += [f"{where}: {p} goes past the right edge" for p in past]
    return found


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_student_finds_and_studies_a_class_deck_on_any_screen(
    browser: Any, class_server: ClassServer, viewport: str
) -> None:
    server = class_server
    teacher, teacher_problems = _new_page(browser, viewport)
    _sign_up(teacher, server, "Ms Rivera", "teacher")
    _paste_sample_deck(teacher, server, f"{viewport}-class")
    teacher.goto(server.url + "/classes")
    teacher.fill("#class-name", "History 10A, the afternoon group")
    teacher.click('button:has-text("Create")')
    teacher.wait_for_url("**/classes/*")
    class_page = teacher.url
    code = teacher.inner_text(".join-code").strip()
    teacher.click('button:has-text("Assign")')
    teacher.wait_for_selector("text=No student has joined yet.")
    deck_name = teacher.inner_text("section.class-deck h2").strip()

    student, student_problems = _new_page(browser, viewport)
    _sign_up(student, server, "Sam Okafor", "student")
    student.goto(server.url + f"/join/{code}")
    student.click('button:has-text("Join the class")')
    student.wait_for_url(server.url + "/classes")
    overflow = _fits(student, viewport, "classes (student)")
    _shot(student, f"{viewport}-class-student-classes")
    student.goto(server.url + "/")
    assert "Your class decks" in student.inner_text("main")
    overflow += _fits(student, viewport, "home (student)")
    _shot(student, f"{viewport}-class-student-home")
    student.click('main .deck-card a.button.primary:has-text("Study")')
    student.wait_for_selector('[data-testid="question"]')
    chosen = student.locator("#pick-deck option:checked")
    assert chosen.inner_text().strip() == deck_name
    overflow += _fits(student, viewport, "study (student)")
    _shot(student, f"{viewport}-class-student-study")

    teacher.goto(server.url + "/classes")
    overflow += _fits(teacher, viewport, "classes (teacher)")
    _shot(teacher, f"{viewport}-class-teacher-classes")
    teacher.goto(class_page)
    teacher.wait_for_selector("text=Sam Okafor")
    overflow += _fits(teacher, viewport, "class page (teacher)")
    _shot(teacher, f"{viewport}-class-teacher-class")
    assert overflow == []
    assert teacher_problems == [] and student_problems == []
