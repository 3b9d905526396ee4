"""Accounts (`col.accounts`): sign-up, sign-in, server-side sessions and sign-in throttling.

Everything lives in the store, so that app processes keep nothing between requests and any
number of them can serve one database. Passwords are hashed with argon2id at OWASP's
minimum parameters or above. A session is an opaque random id that the browser keeps; the
store keeps only its SHA-256, with when it was last used and when it ends. Failed sign-ins
are counted per account name and per client in the store, and a key with too many failures
in a window is refused for a while (`Throttled`), whichever process serves the request.

A store that is used on one machine has one account, the local one (made with the store, or
by the migration that brought accounts to an older store); it never signs in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NewType

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from retain.collection._rows import _check_now, _ms, _utc
from retain.errors import CollectionError
from retain.storage import schema
from retain.storage.errors import StorageError

if TYPE_CHECKING:
    from retain.collection import Collection

AccountId = NewType("AccountId", int)

LOCAL_ACCOUNT_ID = AccountId(schema.LOCAL_ACCOUNT_ID)
"""The local account: every store has it (see migration 0011)."""

# OWASP's password storage cheat sheet: argon2id with at least 19 MiB, 2 iterations and one
# degree of parallelism.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
"""Longer passwords are refused rather than hashed: the hash of a huge one costs time."""
NAME_MAX = 100

SESSION_LIFETIME = timedelta(days=14)
SESSION_IDLE = timedelta(days=3)
"""A session unused for this long ends, even before its lifetime is over."""
SESSION_TOUCH = timedelta(minutes=5)
"""How stale `seen_at` may get before a request writes it again (a write per request would
cost more than the request)."""

THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_BLOCK = timedelta(minutes=15)

STUDENT = "student"
TEACHER = "teacher"
ROLES = (STUDENT, TEACHER)
"""What an account signs up as: only a teacher makes classes (see migration 0013)."""

_SESSION = (
    select(
        schema.account_sessions.c.seen_at, schema.account_sessions.c.expires_at,
        schema.accounts,
    )
    .join(schema.accounts, schema.accounts.c.id == schema.account_sessions.c.account_id)
    .where(schema.account_sessions.c.id == bindparam("token_id"))
)
"""A session by the SHA-256 of its id, with its account: one read at every request."""


@functools.cache
def _hasher() -> Any:
    """argon2id at `ARGON2_*` (imported when an account first needs it, not at start)."""
    from argon2 import PasswordHasher

    return PasswordHasher(
        time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
    )


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so that an unknown name takes as long as
    a wrong password and the two cannot be told apart."""
    return str(_hasher().hash(secrets.token_hex(16)))


class SignInFailed(CollectionError):
    """The name or the password is wrong (the message never says which)."""


class Throttled(CollectionError):
    """Too many failed attempts for this name or client: try again after `retry_after`."""

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    id: AccountId
    name: str
    local: bool
    role: str = STUDENT

    @property
    def teacher(self) -> bool:
        return self.role == TEACHER


@dataclass(frozen=True)
class SignIn:
    """A session begun: the opaque id to hand to the client, and whose it is."""

    token: str
    account: Account
    expires_at: datetime


def name_key(name: str) -> str:
    """An account name as it is compared: normalised and case-folded."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _account(row: Row[Any]) -> Account:
    return Account(AccountId(int(row.id)), str(row.name), bool(row.local), str(row.role))


class Accounts:
    """The accounts of the store (`col.accounts`)."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    # -- accounts -----------------------------------------------------------------------

    def get(self, account_id: int) -> Account:
        """An account by id; CollectionError when there is none."""
        with self._col._read() as conn:
            row = conn.execute(
                select(schema.accounts).where(schema.accounts.c.id == account_id)
            ).first()
        if row is None:
            raise CollectionError(f"no account with id {account_id}")
        return _account(row)

    def local(self) -> Account:
        """The local account, the one a store on one machine is studied by."""
        return self.get(LOCAL_ACCOUNT_ID)

    def sign_up(
        self, name: str, password: str, *, now: datetime, client: str = "",
        role: str = STUDENT,
    ) -> Account:
        """Make an account with a password, as a student or a teacher (`role`). A client
        whose sign-ups keep failing (names taken: someone probing for names) is throttled as
        failed sign-ins are."""
        _check_now(now)
        if role not in ROLES:
            raise CollectionError(f"an account is a {' or a '.join(ROLES)}, not {role!r}")
        shown = unicodedata.normalize("NFKC", name).strip()
        key = name_key(name)
        if not key:
            raise CollectionError("the account needs a name")
        if len(shown) > NAME_MAX:
            raise CollectionError(f"the name is too long: at most {NAME_MAX} characters")
        if any(unicodedata.category(ch).startswith("C") for ch in shown):
            raise CollectionError("the name has a control character in it")
        _check_password(password)
        self._check_throttle([f"signup:{client}"], now)
        digest = _hasher().hash(password)
        a = schema.accounts.c
        account_id: int | None = None
        try:
            with self._col._write() as conn:
                if conn.execute(select(a.id).where(a.name_key == key)).first() is not None:
                    # Counted in this transaction, which the refusal commits.
                    self._fail(conn, [f"signup:{client}"], now)
                else:
                    account_id = conn.execute(
                        insert(schema.accounts)
                        .values(
                            name=shown, name_key=key, password_hash=digest, local=False,
                            created_at=_ms(now), role=role,
                        )
                        .returning(a.id)
                    ).scalar_one()
        except StorageError as error:
            # The same name signed up by another request between the look and the insert
            # (a database server lets both look at once): the name is taken.
            if not isinstance(error.__cause__, IntegrityError):
                raise
        if account_id is None:
            raise CollectionError(f"the name {shown!r} is taken; choose another")
        return Account(AccountId(int(account_id)), shown, False, role)

    # -- signing in and out -------------------------------------------------------------

    def sign_in(
        self, name: str, password: str, *, now: datetime, client: str = "",
        previous: str | None = None,
    ) -> SignIn:
        """Check a name and password and begin a session. A session the client already had
        (`previous`) ends: the id is new at every sign-in. After `THROTTLE_FAILURES` failures
        in `THROTTLE_WINDOW` for the name or the client, attempts are refused (`Throttled`)
        for `THROTTLE_BLOCK`, right password or not."""
        _check_now(now)
        key = name_key(name)
        keys = [f"name:{key}", f"client:{client}"]
        self._check_throttle(keys, now)
        a = schema.accounts.c
        with self._col._read() as conn:
            row = conn.execute(
                select(schema.accounts).where(a.name_key == key, a.local.is_(False))
            ).first()
        stored = None if row is None else row.password_hash
        if not _verify(stored or _dummy_hash(), password) or row is None or stored is None:
            with self._col._write() as conn:
                self._fail(conn, keys, now)
            raise SignInFailed("the name or the password is wrong")
        rehash = _hasher().check_needs_rehash(stored)
        with self._col._write() as conn:
            t = schema.auth_throttle.c
            conn.execute(delete(schema.auth_throttle).where(t.key == keys[0]))
            if rehash:
                conn.execute(
                    update(schema.accounts)
                    .where(a.id == row.id)
                    .values(password_hash=_hasher().hash(password))
                )
            if previous is not None:
                conn.execute(
                    delete(schema.account_sessions).where(
                        schema.account_sessions.c.id == _token_id(previous)
                    )
                )
            signed = self._begin(conn, AccountId(int(row.id)), now)
        return SignIn(signed[0], _account(row), signed[1])

    def begin_session(self, account_id: int, *, now: datetime) -> SignIn:
        """A session for an account without a password check: for the local account, and
        for an account just made by `sign_up`."""
        account = self.get(account_id)
        with self._col._write() as conn:
            token, expires = self._begin(conn, account.id, now)
        return SignIn(token, account, expires)

    def session(self, token: str, *, now: datetime) -> Account | None:
        """The account whose session `token` is, or None when it is unknown, ended or
        expired. A session in use is kept alive (written at most every `SESSION_TOUCH`)."""
        _check_now(now)
        if not token or len(token) > 200:
            return None
        s = schema.account_sessions.c
        stamp = _ms(now)
        with self._col._prepared.reads() as db:
            row = db.first(_SESSION, {"token_id": _token_id(token)})
        if row is None:
            return None
        idle = _ms(now - SESSION_IDLE)
        if row.expires_at <= stamp or row.seen_at <= idle:
            with self._col._write() as conn:
                conn.execute(delete(schema.account_sessions).where(s.id == _token_id(token)))
            return None
        if stamp - row.seen_at >= SESSION_TOUCH.total_seconds() * 1000:
            with self._col._write() as conn:
                conn.execute(
                    update(schema.account_sessions)
                    .where(s.id == _token_id(token))
                    .values(seen_at=stamp)
                )
        return _account(row)

    def rotate(self, token: str, *, now: datetime) -> SignIn | None:
        """End a session and begin a new one for the same account (when its privileges
        change); None when the session is not valid."""
        account = self.session(token, now=now)
        if account is None:
            return None
        with self._col._write() as conn:
            conn.execute(
                delete(schema.account_sessions).where(
                    schema.account_sessions.c.id == _token_id(token)
                )
            )
            new, expires = self._begin(conn, account.id, now)
        return SignIn(new, account, expires)

    def sign_out(self, token: str) -> None:
        """End a session: its id is worth nothing afterwards."""
        with self._col._write() as conn:
            conn.execute(
                delete(schema.account_sessions).where(
                    schema.account_sessions.c.id == _token_id(token)
                )
            )

    def sign_out_everywhere(self, account_id: int) -> int:
        """End every session of an account; returns how many there were."""
        with self._col._write() as conn:
            return int(
                conn.execute(
                    delete(schema.account_sessions).where(
                        schema.account_sessions.c.account_id == account_id
                    )
                ).rowcount
            )

    # -- internals ----------------------------------------------------------------------

    def _begin(
        self, conn: Connection, account_id: AccountId, now: datetime
    ) -> tuple[str, datetime]:
        token = secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        conn.execute(
            insert(schema.account_sessions).values(
                id=_token_id(token), account_id=account_id, created_at=_ms(now),
                seen_at=_ms(now), expires_at=_ms(expires),
            )
        )
        return token, _utc(_ms(expires))

    def _check_throttle(self, keys: list[str], now: datetime) -> None:
        t = schema.auth_throttle.c
        with self._col._read() as conn:
            blocked: Sequence[int] = conn.execute(
                select(t.blocked_until).where(t.key.in_(keys), t.blocked_until > _ms(now))
            ).scalars().all()
        if blocked:
            wait = _utc(max(int(b) for b in blocked)) - now
            minutes = max(1, int(wait.total_seconds() // 60) + 1)
            raise Throttled(
                f"too many attempts: try again in {minutes} minute{'s' if minutes > 1 else ''}",
                wait,
            )

    def _fail(self, conn: Connection, keys: list[str], now: datetime) -> None:
        """Count a failure against each key, in the store (so every process sees it)."""
        t = schema.auth_throttle.c
        stamp = _ms(now)
        window = int(THROTTLE_WINDOW.total_seconds() * 1000)
        for key in keys:
            row = conn.execute(
                select(schema.auth_throttle).where(t.key == key).with_for_update()
            ).first()
            if row is None or stamp - int(row.window_start) >= window:
                conn.execute(delete(schema.auth_throttle).where(t.key == key))
                conn.execute(
                    insert(schema.auth_throttle).values(
                        key=key, failures=1, window_start=stamp, blocked_until=0
                    )
                )
                failures = 1
            else:
                failures = int(row.failures) + 1
                conn.execute(
                    update(schema.auth_throttle).where(t.key == key).values(failures=failures)
                )
            if failures >= THROTTLE_FAILURES:
                conn.execute(
                    update(schema.auth_throttle)
                    .where(t.key == key)
                    .values(blocked_until=stamp + int(THROTTLE_BLOCK.total_seconds() * 1000))
                )


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise CollectionError(f"the password is too short: at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise CollectionError(f"the password is too long: at most {PASSWORD_MAX} characters")


def _verify(stored: str, password: str) -> bool:
    if len(password) > PASSWORD_MAX:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False
