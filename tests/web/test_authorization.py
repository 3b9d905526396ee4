"""The authorization matrix of server mode: every route, sent by five callers.

The callers are an anonymous client, student A (who owns a deck and has joined a class),
student B, the class's teacher, and another teacher. Every request names A's ids (A's deck,
A's card, A's answer, the class A joined). A request for someone else's object gets 404,
as an id that does not exist does (the same words); a request a role may not make gets 403;
an anonymous one gets 401 under /api/ and the sign-in page elsewhere. A route with no row
in MATRIX fails `test_every_route_has_a_row`.

Runs on SQLite, and on PostgreSQL when RETAIN_TEST_DATABASE_URL is set."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from retain.web import WebSettings, create_app
from tests.web.conftest import Clock, follow_csrf
from tests.web.test_routes import _routes

PASSWORD = "a long enough password"
MARK = "Zebrafish fin question"
"""Words only A's deck has: no one else's answer may show them."""
DECK_TEXT = "\n".join(
    f"{MARK} {i}?\n- the first point {i}\n- the second point {i}\n" for i in range(8)
)
IMPORT_TEXT = "Which organ pumps blood?\n- the heart\n"
ACTORS = ("anonymous", "student_a", "student_b", "teacher", "other_teacher")
SIGNED_IN = ACTORS[1:]


@dataclass
class World:
    app: FastAPI
    clients: dict[str, TestClient]
    deck_id: int = 0
    note_id: int = 0
    card_id: int = 0
    reps: int = 0
    review_id: int = 0
    class_id: int = 0
    code: str = ""
    class_deck_id: int = 0
    counter: list[int] = field(default_factory=lambda: [0])

    def unique(self) -> str:
        self.counter[0] += 1
        return f"newcomer{self.counter[0]}"

    def sign_in_all(self) -> None:
        for actor in SIGNED_IN:
            client = self.clients[actor]
            client.cookies.delete("retain_session")
            follow_csrf(client)  # the token of the session dropped is worth nothing now
            response = client.post(
                "/api/auth/signin", json={"name": actor, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
        self.clients["anonymous"].cookies.delete("retain_session")
        follow_csrf(self.clients["anonymous"])

    def fresh_deck(self) -> None:
        """A's deck (made again for every row, since a row may delete it), with one card
        answered so that there is an answer of A's to take back."""
        a = self.clients["student_a"]
        draft = a.post("/api/import/preview", json={"text": DECK_TEXT}).json()
        made = a.post("/api/import", json={"draft": draft, "deck_name": self.unique()})
        assert made.status_code == 201, made.text
        self.deck_id = made.json()["deck_id"]
        cards = a.get(f"/api/decks/{self.deck_id}/cards").json()
        self.note_id = cards[0]["note_id"] if "note_id" in cards[0] else cards[0]["id"]
        asked = a.get("/api/study/next", params={"deck_id": self.deck_id, "mode": "flip"})
        question = asked.json()["question"]
        graded = a.post(
            "/api/study/grade",
            json={"card_id": question["card_id"], "reps": question["reps"], "rating": "good",
                  "mode": "flip", "deck_id": self.deck_id},
        )
        assert graded.status_code == 200, graded.text
        self.review_id = graded.json()["review_id"]
        asked = a.get("/api/study/next", params={"deck_id": self.deck_id, "mode": "flip"})
        question = asked.json()["question"]
        self.card_id, self.reps = question["card_id"], question["reps"]


def _client(app: FastAPI) -> TestClient:
    return follow_csrf(TestClient(app, base_url="http://127.0.0.1"))


@pytest.fixture
def world(store_target: str | Path, clock: Clock) -> Iterator[World]:
    app = create_app(WebSettings(target=store_target, clock=clock, accounts=True))
    with TestClient(app, base_url="http://127.0.0.1"):
        clients = {actor: _client(app) for actor in ACTORS}
        for actor in SIGNED_IN:
            role = "teacher" if "teacher" in actor else "student"
            made = clients[actor].post(
                "/api/auth/signup", json={"name": actor, "password": PASSWORD, "role": role}
            )
            assert made.status_code == 201, made.text
        w = World(app, clients)
        made = clients["teacher"].post("/api/classes", json={"name": "Marine biology"})
        assert made.status_code == 201, made.text
        w.class_id, w.code = made.json()["id"], made.json()["join_code"]
        joined = clients["student_a"].post("/api/classes/join", json={"code": w.code})
        assert joined.status_code == 200, joined.text
        teacher = clients["teacher"]
        draft = teacher.post("/api/import/preview", json={"text": IMPORT_TEXT}).json()
        made = teacher.post("/api/import", json={"draft": draft, "deck_name": "Organs"})
        w.class_deck_id = made.json()["deck_id"]
        assigned = teacher.post(
            f"/classes/{w.class_id}/decks", data={"deck_id": str(w.class_deck_id)},
            follow_redirects=False,
        )
        assert assigned.status_code == 303, assigned.text
        yield w
        for client in clients.values():
            client.close()


Build = Callable[[World, str], tuple[str, str, dict[str, Any]]]
"""(world, actor) -> (method, url, request arguments)."""

# What each caller gets:
#   OWN: A's object. A succeeds; everyone else signed in gets 404.
#   SELF: the caller's own things (a list, an import, the next question): every signed-in
#         caller succeeds and sees nothing of A's unless it is A.
#   PUBLIC: signing up and in, the health check: anyone.
#   CLASS_MEMBER: the class: its teacher and A (a member) succeed; the others get 404.
#   CLASS_TEACHER: the class's teacher only; A and the others get 404.
#   TEACHERS: any teacher; a student gets 403.
OWN, SELF, PUBLIC, CLASS_MEMBER, CLASS_TEACHER, TEACHERS = (
    "own", "self", "public", "class member", "class teacher", "teachers",
)


def _get(url: Callable[[World], str], **kw: Any) -> Build:
    return lambda w, _actor: ("GET", url(w), dict(kw))


def _post(url: Callable[[World], str], body: Callable[[World, str], dict[str, Any]],
          form: bool = False, method: str = "POST") -> Build:
    def build(w: World, actor: str) -> tuple[str, str, dict[str, Any]]:
        return method, url(w), {"data" if form else "json": body(w, actor)}

    return build


def _none(_w: World, _a: str) -> dict[str, Any]:
    return {}


def _answer(w: World, _a: str) -> dict[str, Any]:
    return {"card_id": w.card_id, "reps": w.reps, "mode": "flip", "deck_id": w.deck_id}


def _grade(w: World, a: str) -> dict[str, Any]:
    return {**_answer(w, a), "rating": "good"}


def _form_answer(w: World, _a: str) -> dict[str, Any]:
    return {"card_id": w.card_id, "reps": w.reps, "mode": "flip", "deck": w.deck_id}


def _credentials(_w: World, actor: str) -> dict[str, Any]:
    name = "student_a" if actor == "anonymous" else actor
    return {"name": name, "password": PASSWORD}


def _new_account(w: World, _a: str) -> dict[str, Any]:
    return {"name": w.unique(), "password": PASSWORD, "role": "student"}


def _card(w: World, _a: str) -> dict[str, Any]:
    return {"question": "An added question?", "answer_points": ["a point"]}


def _draft(w: World, _a: str) -> dict[str, Any]:
    return {"draft": {"format": "text/questions", "title": "t", "notes": []},
            "edit": {"op": "delete", "index": 0}}


D: Callable[[World], str] = lambda w: f"/decks/{w.deck_id}"  # noqa: E731
AD: Callable[[World], str] = lambda w: f"/api/decks/{w.deck_id}"  # noqa: E731

MATRIX: dict[tuple[str, str], tuple[str, Build]] = {
    ("GET", "/healthz"): (PUBLIC, _get(lambda w: "/healthz")),
    ("GET", "/api/csrf"): (PUBLIC, _get(lambda w: "/api/csrf")),
    ("GET", "/signin"): (PUBLIC, _get(lambda w: "/signin")),
    ("POST", "/signin"): (PUBLIC, _post(lambda w: "/signin", _credentials, form=True)),
    ("GET", "/signup"): (PUBLIC, _get(lambda w: "/signup")),
    ("POST", "/signup"): (PUBLIC, _post(lambda w: "/signup", _new_account, form=True)),
    ("POST", "/signout"): (PUBLIC, _post(lambda w: "/signout", _none, form=True)),
    ("POST", "/api/auth/signup"): (PUBLIC, _post(lambda w: "/api/auth/signup", _new_account)),
    ("POST", "/api/auth/signin"): (PUBLIC, _post(lambda w: "/api/auth/signin", _credentials)),
    ("POST", "/api/auth/signout"): (PUBLIC, _post(lambda w: "/api/auth/signout", _none)),
    ("GET", "/api/auth/me"): (SELF, _get(lambda w: "/api/auth/me")),
    # Classes.
    ("GET", "/classes"): (SELF, _get(lambda w: "/classes")),
    ("GET", "/api/classes"): (SELF, _get(lambda w: "/api/classes")),
    ("POST", "/classes"): (TEACHERS, _post(lambda w: "/classes", lambda w, a: {"name": "c"},
                                            form=True)),
    ("POST", "/api/classes"): (TEACHERS, _post(lambda w: "/api/classes",
                                               lambda w, a: {"name": "c"})),
    ("POST", "/classes/join"): (SELF, _post(lambda w: "/classes/join",
                                            lambda w, a: {"code": "NOSUCHCODE"}, form=True)),
    ("POST", "/api/classes/join"): (SELF, _post(lambda w: "/api/classes/join",
                                                lambda w, a: {"code": "NOSUCHCODE"})),
    ("GET", "/join/{code}"): (SELF, _get(lambda w: "/join/NOSUCHCODE")),
    ("GET", "/api/classes/{class_id}"): (CLASS_MEMBER,
                                         _get(lambda w: f"/api/classes/{w.class_id}")),
    ("GET", "/classes/{class_id}"): (CLASS_TEACHER, _get(lambda w: f"/classes/{w.class_id}")),
    ("POST", "/classes/{class_id}/decks"): (CLASS_TEACHER, _post(
        lambda w: f"/classes/{w.class_id}/decks",
        lambda w, a: {"deck_id": str(w.class_deck_id)}, form=True)),
    ("GET", "/classes/{class_id}/decks/{deck_id}/report.csv"): (CLASS_TEACHER, _get(
        lambda w: f"/classes/{w.class_id}/decks/{w.class_deck_id}/report.csv")),
    ("GET", "/api/classes/{class_id}/decks/{deck_id}/report"): (CLASS_TEACHER, _get(
        lambda w: f"/api/classes/{w.class_id}/decks/{w.class_deck_id}/report")),
    ("GET", "/api/classes/{class_id}/students"): (
        CLASS_TEACHER, _get(lambda w: f"/api/classes/{w.class_id}/students")),
    # Decks and cards (pages).
    ("GET", "/"): (SELF, _get(lambda w: "/")),
    ("GET", "/decks/{deck_id}"): (OWN, _get(D)),
    ("POST", "/decks/{deck_id}/rename"): (OWN, _post(lambda w: D(w) + "/rename",
                                                     lambda w, a: {"name": "renamed"},
                                                     form=True)),
    ("POST", "/decks/{deck_id}/delete"): (OWN, _post(lambda w: D(w) + "/delete", _none,
                                                     form=True)),
    ("POST", "/decks/{deck_id}/cards"): (OWN, _post(
        lambda w: D(w) + "/cards", lambda w, a: {"question": "Q?", "answer_points": "p"},
        form=True)),
    ("POST", "/cards/{note_id}"): (OWN, _post(
        lambda w: f"/cards/{w.note_id}", lambda w, a: {"question": "Q?", "answer_points": "p"},
        form=True)),
    ("POST", "/cards/{note_id}/delete"): (OWN, _post(lambda w: f"/cards/{w.note_id}/delete",
                                                     _none, form=True)),
    # Decks and cards (API).
    ("GET", "/api/decks"): (SELF, _get(lambda w: "/api/decks")),
    ("GET", "/api/decks/{deck_id}"): (OWN, _get(AD)),
    ("PATCH", "/api/decks/{deck_id}"): (OWN, _post(AD, lambda w, a: {"name": "renamed"},
                                                   method="PATCH")),
    ("DELETE", "/api/decks/{deck_id}"): (OWN, lambda w, a: ("DELETE", AD(w), {})),
    ("GET", "/api/decks/{deck_id}/cards"): (OWN, _get(lambda w: AD(w) + "/cards")),
    ("POST", "/api/decks/{deck_id}/cards"): (OWN, _post(lambda w: AD(w) + "/cards", _card)),
    ("GET", "/api/cards/{note_id}"): (OWN, _get(lambda w: f"/api/cards/{w.note_id}")),
    ("PUT", "/api/cards/{note_id}"): (OWN, _post(lambda w: f"/api/cards/{w.note_id}", _card,
                                                 method="PUT")),
    ("DELETE", "/api/cards/{note_id}"): (OWN, lambda w, a: ("DELETE",
                                                            f"/api/cards/{w.note_id}", {})),
    # Importing: into the caller's own decks.
    ("GET", "/import"): (SELF, _get(lambda w: "/import")),
    ("POST", "/import/preview"): (SELF, _post(lambda w: "/import/preview",
                                              lambda w, a: {"text": IMPORT_TEXT}, form=True)),
    ("POST", "/import/draft"): (SELF, _post(lambda w: "/import/draft",
                                            lambda w, a: {"text": IMPORT_TEXT}, form=True)),
    ("POST", "/import/save"): (SELF, _post(lambda w: "/import/save",
                                           lambda w, a: {"text": IMPORT_TEXT}, form=True)),
    ("POST", "/api/import/preview"): (SELF, _post(lambda w: "/api/import/preview",
                                                  lambda w, a: {"text": IMPORT_TEXT})),
    ("POST", "/api/import/preview/file"): (SELF, lambda w, a: (
        "POST", "/api/import/preview/file",
        {"files": {"file": ("deck.txt", IMPORT_TEXT.encode(), "text/plain")}})),
    ("POST", "/api/import/draft"): (SELF, _post(lambda w: "/api/import/draft", _draft)),
    ("POST", "/api/import"): (SELF, _post(lambda w: "/api/import", lambda w, a: {"draft": {
        "format": "text/questions", "title": "t",
        "notes": [{"question": "Q?", "answer_points": ["p"]}]}, "deck_name": w.unique()})),
    # Studying: A's deck, A's card, A's answer.
    ("GET", "/study"): (OWN, _get(lambda w: f"/study?deck={w.deck_id}")),
    ("POST", "/study/answer"): (OWN, _post(lambda w: "/study/answer", _form_answer,
                                           form=True)),
    ("POST", "/study/grade"): (OWN, _post(lambda w: "/study/grade",
                                          lambda w, a: {**_form_answer(w, a), "rating": "good"},
                                          form=True)),
    ("POST", "/study/undo"): (OWN, _post(lambda w: "/study/undo",
                                         lambda w, a: {"deck": w.deck_id}, form=True)),
    ("POST", "/study/match"): (OWN, _post(lambda w: "/study/match",
                                          lambda w, a: {"deck": w.deck_id,
                                                        "card_id": w.card_id}, form=True)),
    ("GET", "/api/study/next"): (OWN, _get(lambda w: f"/api/study/next?deck_id={w.deck_id}")),
    ("POST", "/api/study/answer"): (OWN, _post(lambda w: "/api/study/answer", _answer)),
    ("POST", "/api/study/grade"): (OWN, _post(lambda w: "/api/study/grade", _grade)),
    ("POST", "/api/study/match"): (OWN, _post(lambda w: "/api/study/match", lambda w, a: {
        "card_ids": [w.card_id], "chosen": [0], "deck_id": w.deck_id})),
    ("POST", "/api/study/undo"): (OWN, _post(lambda w: "/api/study/undo",
                                             lambda w, a: {"review_id": w.review_id})),
    # Statistics.
    ("GET", "/stats"): (OWN, _get(lambda w: f"/stats?deck={w.deck_id}")),
    ("GET", "/stats/figures/{name}.svg"): (OWN, _get(
        lambda w: f"/stats/figures/forecast.svg?deck={w.deck_id}")),
    ("GET", "/api/stats"): (OWN, _get(lambda w: f"/api/stats?deck_id={w.deck_id}")),
}


def test_every_route_has_a_row(world: World) -> None:
    routes = _routes(world.app)
    assert routes - MATRIX.keys() == set(), "routes with no row in the authorization matrix"
    assert MATRIX.keys() - routes == set(), "rows for routes that are gone"


def _allowed(kind: str, actor: str) -> bool:
    if kind in (PUBLIC,):
        return True
    if actor == "anonymous":
        return False
    if kind == SELF:
        return True
    if kind == OWN:
        return actor == "student_a"
    if kind == CLASS_MEMBER:
        return actor in ("student_a", "teacher")
    if kind == CLASS_TEACHER:
        return actor == "teacher"
    assert kind == TEACHERS
    return actor in ("teacher", "other_teacher")


def _check(kind: str, actor: str, path: str, response: Any, unknown: Any
           ) -> None:
    api = path.startswith("/api/")
    where = f"{actor} {response.request.method} {response.request.url}"
    status = response.status_code
    if not _allowed(kind, actor):
        if actor == "anonymous":
            if api:
                assert status == 401, (where, status, response.text)
            else:
                assert status == 303, (where, status)
                assert response.headers["location"].startswith("/signin"), where
        elif kind == TEACHERS:
            assert status == 403, (where, status, response.text)
        else:
            assert status == 404, (where, status, response.text)
            if unknown is not None:
                assert unknown.status_code == 404, where
                assert _words(response.text) == _words(unknown.text), where
        return
    # Allowed: not refused. (A request may still be of no use, e.g. a join code that is
    # wrong, which is a 404 for everyone alike.)
    assert status not in (401, 403), (where, status, response.text)
    if kind == OWN:
        assert status < 500 and status != 404, (where, status, response.text)
    if actor != "student_a" and kind in (SELF, CLASS_MEMBER, CLASS_TEACHER, TEACHERS):
        assert MARK not in response.text, (where, "shows A's cards")


def _words(text: str) -> str:
    """A refusal's words, without the ids it names."""
    return re.sub(r"\d+", "N", text)


def _unknown(method: str, url: str, kwargs: dict[str, Any], w: World) -> tuple[str, dict[str, Any]]:
    """The same request with A's ids replaced by ids that do not exist."""
    swaps = {str(w.deck_id): "999999", str(w.note_id): "999998", str(w.card_id): "999997",
             str(w.review_id): "999996", str(w.class_id): "999995",
             str(w.class_deck_id): "999994"}
    for old, new in swaps.items():
        url = url.replace(f"/{old}", f"/{new}").replace(f"={old}", f"={new}")
    body = kwargs.get("json") or kwargs.get("data")
    if isinstance(body, dict):
        body = {k: (int(swaps[str(v)]) if str(v) in swaps and k != "reps" else v)
                for k, v in body.items()}
        kwargs = {("json" if "json" in kwargs else "data"): body}
    return url, kwargs


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_authorization_matrix(world: World, route: tuple[str, str]) -> None:
    kind, build = MATRIX[route]
    # Every caller but A first: none of their requests may change A's things (each is
    # refused), so A's own request (last) still finds them.
    world.fresh_deck()
    for actor in ("anonymous", "student_b", "teacher", "other_teacher", "student_a"):
        method, url, kwargs = build(world, actor)
        client = world.clients[actor]
        response = client.request(method, url, follow_redirects=False, **kwargs)
        unknown = None
        if kind in (OWN, CLASS_MEMBER, CLASS_TEACHER) and actor == "student_b":
            u_url, u_kwargs = _unknown(method, url, kwargs, world)
            unknown = client.request(method, u_url, follow_redirects=False, **u_kwargs)
        _check(kind, actor, route[1], response, unknown)
        if kind == PUBLIC:
            world.sign_in_all()


def test_cross_user_reads_show_nothing_of_a(world: World) -> None:
    world.fresh_deck()
    for actor in ("student_b", "teacher", "other_teacher"):
        client = world.clients[actor]
        for path in ("/", "/api/decks", "/study", "/api/study/next", "/stats", "/api/stats"):
            response = client.get(path)
            assert response.status_code == 200, (actor, path)
            assert MARK not in response.text, (actor, path)
