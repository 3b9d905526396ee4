"""Server mode's accounts: signing up (as a student or a teacher), in and out, and classes:
a teacher makes one and shares its join code or link, a student joins with it.

The session id is handed out in an HttpOnly cookie (see `security.session_cookie`), new at
every sign-in and sign-up, and worth nothing once signed out. The CSRF token is renewed at
each of them too (`security.renew_csrf`): the API's answer to signing up or in carries the
new one, as does the `X-CSRF-Token` header of every answer that renews it. A local app (no
accounts) has none of these routes: each answers 404. The teacher's class pages are in
`classes.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from retain.collection import Collection
from retain.collection.accounts import ROLES, SESSION_LIFETIME, STUDENT, TEACHER, SignIn
from retain.collection.classes import ClassInfo
from retain.web.deps import (
    Account,
    AccountDep,
    ClockDep,
    CollectionDep,
    MaybeAccountDep,
    StoreDep,
    require_teacher,
    server_mode,
    session_token,
)
from retain.web.models import Id, Problem
from retain.web.security import is_secure, renew_csrf, session_cookie
from retain.web.views import redirect, render

pages = APIRouter(include_in_schema=False, dependencies=[Depends(server_mode)])
api = APIRouter(
    prefix="/api", tags=["accounts"], dependencies=[Depends(server_mode)],
    responses={
        400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem},
        404: {"model": Problem},
    },
)

NAME_FIELD = Field(min_length=1, max_length=200)
PASSWORD_FIELD = Field(min_length=1, max_length=2000)


class SignUpIn(BaseModel):
    name: str = NAME_FIELD
    password: str = PASSWORD_FIELD
    role: str = Field(default=STUDENT, pattern="^(student|teacher)$")


class SignInIn(BaseModel):
    name: str = NAME_FIELD
    password: str = PASSWORD_FIELD


class AccountOut(BaseModel):
    id: int
    name: str
    role: str


class SignedInOut(AccountOut):
    csrf_token: str = Field(
        description="The new CSRF token, to send in the X-CSRF-Token header from now on: "
        "the one held before signing in is no longer accepted."
    )


class ClassIn(BaseModel):
    name: str = Field(min_length=1, max_length=400)


class JoinIn(BaseModel):
    code: str = Field(min_length=1, max_length=100)


class ClassOut(BaseModel):
    id: int
    name: str
    teaching: bool
    join_code: str | None = None
    join_path: str | None = None
    """The link to hand students (`/join/CODE`); the teacher's only."""


class ClassesOut(BaseModel):
    taught: list[ClassOut]
    joined: list[ClassOut]


class StudentOut(BaseModel):
    id: int
    name: str


def account_out(account: Account) -> AccountOut:
    return AccountOut(id=account.id, name=account.name, role=account.role)


def class_out(info: ClassInfo, me: Account) -> ClassOut:
    teaching = info.teacher_id == me.id
    code = info.join_code if teaching else None
    return ClassOut(
        id=info.id, name=info.name, teaching=teaching, join_code=code,
        join_path=None if code is None else f"/join/{code}",
    )


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else ""


def _hand_out(request: Request, response: Response, signed: SignIn) -> str:
    """Set the new session's cookie, and renew the CSRF token (returned)."""
    response.headers.append(
        "set-cookie",
        session_cookie(
            signed.token, secure=is_secure(request),
            max_age=int(SESSION_LIFETIME.total_seconds()),
        ),
    )
    return renew_csrf(request, signed.token)


def _take_back(request: Request, response: Response) -> None:
    response.headers.append("set-cookie", session_cookie("", secure=is_secure(request), max_age=0))
    renew_csrf(request, None)


def _sign_up(
    request: Request, col: Collection, now: ClockDep, name: str, password: str, role: str
) -> SignIn:
    made = col.accounts.sign_up(name, password, now=now(), client=_client(request), role=role)
    previous = session_token(request)
    if previous:
        col.accounts.sign_out(previous)
    return col.accounts.begin_session(made.id, now=now())


def _sign_in(request: Request, col: Collection, now: ClockDep, name: str, password: str) -> SignIn:
    return col.accounts.sign_in(
        name, password, now=now(), client=_client(request),
        previous=session_token(request) or None,
    )


def _sign_out(request: Request, col: Collection) -> None:
    token = session_token(request)
    if token:
        col.accounts.sign_out(token)


def _next(value: str | None) -> str:
    """Where to go after signing in: a path of this site only (never `//elsewhere`)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def _create(col: Collection, account: Account, name: str, now: ClockDep) -> ClassInfo:
    require_teacher(account)
    return col.classes.create(name, now=now())


# -- pages ------------------------------------------------------------------------------


@pages.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, account: MaybeAccountDep, next: str = "/") -> HTMLResponse:
    return render(
        request, "signin.html",
        {"page": "signin", "next": _next(next), "account": account, "error": None},
    )


@pages.post("/signin", response_class=HTMLResponse, response_model=None)
def signin_form(
    request: Request, col: StoreDep, clock: ClockDep,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=2000)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    signed = _sign_in(request, col, clock, name, password)
    response = redirect(request, _next(next))
    _hand_out(request, response, signed)
    return response


@pages.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, account: MaybeAccountDep) -> HTMLResponse:
    return render(
        request, "signup.html", {"page": "signup", "account": account, "roles": ROLES},
    )


@pages.post("/signup", response_class=HTMLResponse, response_model=None)
def signup_form(
    request: Request, col: StoreDep, clock: ClockDep,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=2000)],
    role: Annotated[str, Form(pattern="^(student|teacher)$")] = STUDENT,
) -> Response:
    signed = _sign_up(request, col, clock, name, password, role)
    response = redirect(request, "/classes" if role == TEACHER else "/")
    _hand_out(request, response, signed)
    return response


@pages.post("/signout", response_class=HTMLResponse, response_model=None)
def signout_form(request: Request, col: StoreDep) -> Response:
    _sign_out(request, col)
    response = redirect(request, "/signin")
    _take_back(request, response)
    return response


@pages.post("/classes/join", response_class=HTMLResponse, response_model=None)
def join_class_form(
    request: Request, col: CollectionDep, clock: ClockDep,
    code: Annotated[str, Form(max_length=100)],
) -> Response:
    col.classes.join(code, now=clock())
    return redirect(request, "/classes")


@pages.get("/join/{code}", response_class=HTMLResponse)
def join_link(
    request: Request, col: CollectionDep, account: AccountDep, code: str
) -> HTMLResponse:
    """The link a teacher hands out: the classes page with the code filled in (joining
    is a POST, so that following a link changes nothing by itself)."""
    return render(
        request, "classes.html",
        {
            "page": "classes", "taught": col.classes.taught(), "joined": col.classes.joined(),
            "code": code[:100],
        },
    )


# -- API --------------------------------------------------------------------------------


@api.post(
    "/auth/signup", response_model=SignedInOut, status_code=201,
    summary="Make an account and sign in (the session cookie is set, the CSRF token renewed)",
    responses={429: {"model": Problem}},
)
def api_signup(
    request: Request, response: Response, body: SignUpIn, col: StoreDep, clock: ClockDep
) -> SignedInOut:
    signed = _sign_up(request, col, clock, body.name, body.password, body.role)
    return _signed_in(request, response, signed)


@api.post(
    "/auth/signin", response_model=SignedInOut,
    summary="Sign in (a new session cookie is set, the CSRF token renewed)",
    responses={401: {"model": Problem}, 429: {"model": Problem}},
)
def api_signin(
    request: Request, response: Response, body: SignInIn, col: StoreDep, clock: ClockDep
) -> SignedInOut:
    signed = _sign_in(request, col, clock, body.name, body.password)
    return _signed_in(request, response, signed)


def _signed_in(request: Request, response: Response, signed: SignIn) -> SignedInOut:
    token = _hand_out(request, response, signed)
    return SignedInOut(**account_out(signed.account).model_dump(), csrf_token=token)


@api.post(
    "/auth/signout", status_code=204,
    summary="End the session (the new CSRF token is in the X-CSRF-Token header)",
)
def api_signout(request: Request, col: StoreDep) -> Response:
    _sign_out(request, col)
    response = Response(status_code=204)
    _take_back(request, response)
    return response


@api.get("/auth/me", response_model=AccountOut, summary="The signed-in account")
def api_me(account: AccountDep) -> AccountOut:
    return account_out(account)


@api.get("/classes", response_model=ClassesOut, summary="The classes taught and joined")
def api_classes(col: CollectionDep, account: AccountDep) -> ClassesOut:
    return ClassesOut(
        taught=[class_out(c, account) for c in col.classes.taught()],
        joined=[class_out(c, account) for c in col.classes.joined()],
    )


@api.post(
    "/classes", response_model=ClassOut, status_code=201,
    summary="Make a class (teachers only); its join code is in the answer",
    responses={403: {"model": Problem}},
)
def api_create_class(
    body: ClassIn, col: CollectionDep, account: AccountDep, clock: ClockDep
) -> ClassOut:
    return class_out(_create(col, account, body.name, clock), account)


@api.post("/classes/join", response_model=ClassOut, summary="Join a class with its code")
def api_join_class(
    body: JoinIn, col: CollectionDep, account: AccountDep, clock: ClockDep
) -> ClassOut:
    return class_out(col.classes.join(body.code, now=clock()), account)


@api.get("/classes/{class_id}", response_model=ClassOut, summary="A class taught or joined")
def api_class(class_id: Id, col: CollectionDep, account: AccountDep) -> ClassOut:
    return class_out(col.classes.get(class_id), account)


@api.get(
    "/classes/{class_id}/students", response_model=list[StudentOut],
    summary="The students of a class (its teacher only)",
)
def api_students(class_id: Id, col: CollectionDep) -> list[StudentOut]:
    return [StudentOut(id=s.id, name=s.name) for s in col.classes.students(class_id)]
