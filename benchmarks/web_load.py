"""Server mode under load: simulated students on the loopback address, each fetching a
question (`GET /api/study/next`) and posting its answer (`POST /api/study/grade`) with no
think time, against `retain serve --database postgresql://...` with 2 app processes and
with 1. Prints answers per second, p50 and p99 latency of a request, errors, and the CPU
time the app processes spent per answer (which, unlike the rest, does not depend on what
else the machine is running), at each number of concurrent students.

    python benchmarks/web_load.py                       # 50, 200 and 1,000 students
    python benchmarks/web_load.py --students 20 --seconds 3   # CI's smallest size

Each run makes a database of its own on the PostgreSQL server (RETAIN_TEST_DATABASE_URL,
default postgresql://postgres@127.0.0.1:5432/postgres) and drops it afterwards. The
students are accounts of a class whose teacher assigned one deck; every request carries
the student's session cookie, so each one looks its session up in the database as any
request of server mode does. Requests go to 127.0.0.1 only, and every loop stops after
`--seconds`."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import VENV_BIN, percentile, progress  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "a long enough password"


@dataclass
class Tally:
    answers: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)

    def problem(self, what: str) -> None:
        self.errors += 1
        self.problems[what] = self.problems.get(what, 0) + 1


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(sql)


def _database_url(server_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def seed(url: str, students: int, cards: int) -> tuple[list[str], str]:
    """A teacher, a deck of `cards` cards assigned to a class, and `students` students in
    it, each with a session: returns the session ids and the CSRF token to send."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from retain.collection import Collection
    from retain.collection.accounts import _hasher, name_key
    from retain.core.model import DeckDraft, NoteDraft
    from retain.storage import schema

    now = datetime.now(UTC)
    digest = _hasher().hash(PASSWORD)  # one hash for every student: setting up, not timed
    with Collection.open(url) as col:
        col.set_setting("new_per_day", 100_000)
        teacher = col.accounts.sign_up("teacher", PASSWORD, now=now, role="teacher")
        tcol = col.as_account(teacher.id)
        draft = DeckDraft(
            title="Load deck", format="text/questions",
            notes=tuple(
                NoteDraft(f"What is item {i}?", (f"the item {i}", f"number {i}"))
                for i in range(cards)
            ),
        )
        deck = tcol.decks.import_deck(draft, now=now).deck
        made = tcol.classes.create("Load class", now=now)
        tcol.classes.assign(made.id, deck, now=now)
        assert made.join_code is not None
        stamp = int(now.timestamp() * 1000)
        with col.engine.begin() as conn:
            ids = [
                int(conn.execute(
                    insert(schema.accounts).values(
                        name=f"student{i}", name_key=name_key(f"student{i}"),
                        password_hash=digest, local=False, created_at=stamp, role="student",
                    ).returning(schema.accounts.c.id)
                ).scalar_one())
                for i in range(students)
            ]
        tokens = []
        for n, account_id in enumerate(ids):
            student = col.as_account(account_id)
            student.classes.join(made.join_code, now=now)
            tokens.append(col.accounts.begin_session(account_id, now=now).token)
            if n and n % 200 == 0:
                progress(f"{n:,} students seeded")
    return tokens, uuid.uuid4().hex + uuid.uuid4().hex[:11]


def start_server(
    database: str, workers: int, port: int, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """The server, its messages written to `log` (a pipe nobody read would fill up and
    stop the server once it had said 64 KiB)."""
    env = dict(os.environ, RETAIN_DATABASE_URL=database)
    proc = subprocess.Popen(
        [str(VENV_BIN / "retain"), "serve", "--workers", str(workers), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server did not start: " + server_said(log)) from None
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("the server did not start listening within 60 s")


def server_said(log: IO[bytes], lines: int = 5) -> str:
    """The last lines the server wrote to its log."""
    log.flush()
    log.seek(0)
    said = log.read().decode(errors="replace").strip().splitlines()
    return "\n".join(said[-lines:])


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def student(
    session: object, base: str, token: str, csrf: str, stop_at: float, tally: Tally
) -> None:
    import aiohttp

    from retain.web.security import session_csrf_token

    assert isinstance(session, aiohttp.ClientSession)
    cookies = f"retain_session={token}; retain_csrf={csrf}"
    # Signed in, the CSRF token is the session's, as `POST /api/auth/signin` hands it out.
    headers = {"Cookie": cookies, "X-CSRF-Token": session_csrf_token(token)}
    while time.monotonic() < stop_at:
        try:
            t0 = time.perf_counter()
            async with session.get(f"{base}/api/study/next?mode=flip", headers=headers) as r:
                body = await r.json() if r.status == 200 else None
            tally.latencies.append(time.perf_counter() - t0)
            if body is None:
                tally.problem(f"next {r.status}")
                continue
            question = body.get("question")
            if question is None:
                tally.problem("no question left")
                await asyncio.sleep(0.05)
                continue
            answer = {"card_id": question["card_id"], "reps": question["reps"],
                      "rating": "good", "mode": "flip"}
            t0 = time.perf_counter()
            async with session.post(f"{base}/api/study/grade", json=answer,
                                    headers=headers) as r:
                await r.read()
            tally.latencies.append(time.perf_counter() - t0)
            if r.status == 200:
                tally.answers += 1
            else:
                tally.problem(f"grade {r.status}")
        except (TimeoutError, aiohttp.ClientError) as error:
            tally.problem(type(error).__name__)


async def load(port: int, tokens: list[str], csrf: str, seconds: float) -> tuple[Tally, float]:
    import aiohttp

    tally = Tally()
    base = f"http://127.0.0.1:{port}"
    connector = aiohttp.TCPConnector(limit=len(tokens), force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        started = time.monotonic()
        stop_at = started + seconds
        await asyncio.gather(*(student(session, base, t, csrf, stop_at, tally)
                               for t in tokens))
        elapsed = time.monotonic() - started
    return tally, elapsed


def group_cpu_seconds(group: int) -> float:
    """CPU time (user and system) used so far by the live processes of a process group:
    the app's, whatever else the machine is running."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # fields[2] is the process group
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="how long each load lasts (default 10)")
    parser.add_argument("--cards", type=int, default=400, help="cards in the class deck")
    args = parser.parse_args()
    server_url = os.environ.get("RETAIN_TEST_DATABASE_URL", DEFAULT_URL)
    name = f"retain_web_load_{os.getpid()}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    database = _database_url(server_url, name)
    try:
        progress(f"seeding {max(args.students):,} students")
        tokens, csrf = seed(database, max(args.students), args.cards)
        print(f"web load: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
              f"{args.seconds:g} s per run, think time 0")
        print(f"{'workers':>7} {'students':>8} {'answers/s':>10} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'errors':>7} {'app CPU ms/answer':>18}")
        for workers in args.workers:
            port = free_port()
            log = tempfile.TemporaryFile()
            proc = start_server(database, workers, port, log)
            try:
                for n in args.students:
                    cpu = group_cpu_seconds(proc.pid)
                    tally, elapsed = asyncio.run(load(port, tokens[:n], csrf, args.seconds))
                    cpu = group_cpu_seconds(proc.pid) - cpu
                    p50 = percentile(tally.latencies, 50) * 1000
                    p99 = percentile(tally.latencies, 99) * 1000
                    per_answer = cpu * 1000 / max(1, tally.answers)
                    print(f"{workers:>7} {n:>8,} {tally.answers / elapsed:>10,.0f} "
                          f"{p50:>8.1f} {p99:>8.1f} {tally.errors:>7,} {per_answer:>18.1f}",
                          flush=True)
                    if tally.problems:
                        print(f"        errors: {tally.problems}")
                        said = server_said(log)
                        if said:
                            print("        the server's last lines:\n" + textwrap.indent(
                                said, "          "))
            finally:
                stop_server(proc)
                log.close()
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
