"""Server mode under load: simulated students on the loopback address, each fetching a
question (`GET /api/study/next`) and posting its answer (`POST /api/study/grade`) with no
think time, against `retain serve --database postgresql://...` with 2 app processes and
with 1. Prints answers per second, p50 and p99 latency of a request, errors, and the CPU
time spent per answer (which, unlike the rest, depends little on what else the machine is
running) by the app's processes, by the database server's processes that serve them (when
the server runs on this machine) and by the client itself, at each number of concurrent
students. The client shares the cores with the app: it is plain asyncio, one keep-alive
HTTP/1.1 connection per student, and it checks every response (its status, and that its
JSON is the question or the recorded answer it asked for).

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
import json
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


def session_csrf_token(token: str) -> str:
    """The CSRF token of a session, as the app derives it (imported before any load is
    timed: the import is no work of the client's per answer)."""
    from retain.web.security import session_csrf_token as derive

    return derive(token)


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


class Connection:
    """One student's keep-alive HTTP/1.1 connection to the app: a request written whole,
    its response read by its status line and Content-Length. Leaner than a client library,
    whose work would share the two cores with the app's: what the client spends is
    printed beside the app's."""

    def __init__(self, port: int, cookies: str, csrf_token: str) -> None:
        self.port = port
        self.head = (
            f"Host: 127.0.0.1:{port}\r\nCookie: {cookies}\r\nX-CSRF-Token: {csrf_token}\r\n"
        ).encode("latin-1")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, target: str, body: bytes | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        extra = b"" if body is None else (
            b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        )
        self.writer.write(b"%s %s HTTP/1.1\r\n%s%s\r\n%s" % (
            method.encode(), target.encode(), self.head, extra, body or b""
        ))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, _, fields = head.decode("latin-1").partition("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length = None
        close = False
        for line in fields.split("\r\n"):
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if length is None:
            raise ValueError("a response without Content-Length")
        content = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def student(
    port: int, token: str, csrf: str, stop_at: float, tally: Tally
) -> None:
    # Signed in, the CSRF token is the session's, as `POST /api/auth/signin` hands it out.
    conn = Connection(port, f"retain_session={token}; retain_csrf={csrf}",
                      session_csrf_token(token))
    try:
        while time.monotonic() < stop_at:
            try:
                async with asyncio.timeout(30):
                    t0 = time.perf_counter()
                    status, content = await conn.request("GET", "/api/study/next?mode=flip")
                    tally.latencies.append(time.perf_counter() - t0)
                    if status != 200:
                        tally.problem(f"next {status}")
                        continue
                    question = json.loads(content).get("question")
                    if question is None:
                        tally.problem("no question left")
                        await asyncio.sleep(0.05)
                        continue
                    answer = json.dumps({"card_id": question["card_id"], "reps": question["reps"],
                                         "rating": "good", "mode": "flip"}).encode()
                    t0 = time.perf_counter()
                    status, content = await conn.request("POST", "/api/study/grade", answer)
                    tally.latencies.append(time.perf_counter() - t0)
                    if status == 200 and json.loads(content).get("card_id") == question["card_id"]:
                        tally.answers += 1
                    else:
                        tally.problem(f"grade {status}")
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError) as error:
                tally.problem(type(error).__name__)
                conn.close()
    finally:
        conn.close()


async def load(port: int, tokens: list[str], csrf: str, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    stop_at = started + seconds
    await asyncio.gather(*(student(port, t, csrf, stop_at, tally) for t in tokens))
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


def database_cpu_seconds(server_url: str, name: str) -> float | None:
    """CPU time used so far by the database server's processes that serve the database
    `name` (when the server runs on this machine; else None)."""
    import psycopg

    with psycopg.connect(server_url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        pids = [int(r[0]) for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
        )]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_load(port: int, tokens: list[str], csrf: str, seconds: float) -> tuple[Tally, float]:
    """`load`, on uvloop where it is installed (as the app runs): the client's own work
    shares the machine with the app's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - not on Windows
        return asyncio.run(load(port, tokens, csrf, seconds))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(load(port, tokens, csrf, seconds))


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
    session_csrf_token("")  # its module imported now, not while a load is timed
    try:
        progress(f"seeding {max(args.students):,} students")
        tokens, csrf = seed(database, max(args.students), args.cards)
        print(f"web load: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
              f"{args.seconds:g} s per run, think time 0; CPU per answer: the app's "
              "processes, the database's that serve it, and this client's")
        print(f"{'workers':>7} {'students':>8} {'answers/s':>10} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'errors':>7} {'app CPU ms/answer':>18} "
              f"{'db CPU ms/answer':>17} {'client CPU ms/answer':>21}")
        for workers in args.workers:
            port = free_port()
            log = tempfile.TemporaryFile()
            proc = start_server(database, workers, port, log)
            try:
                for n in args.students:
                    cpu = group_cpu_seconds(proc.pid)
                    db_cpu = database_cpu_seconds(server_url, name)
                    client = os.times()
                    tally, elapsed = run_load(port, tokens[:n], csrf, args.seconds)
                    after = os.times()
                    cpu = group_cpu_seconds(proc.pid) - cpu
                    db_after = database_cpu_seconds(server_url, name)
                    answers = max(1, tally.answers)
                    client_ms = (after.user - client.user + after.system - client.system) * 1000
                    db_ms = "-" if db_cpu is None or db_after is None else (
                        f"{(db_after - db_cpu) * 1000 / answers:.1f}"
                    )
                    p50 = percentile(tally.latencies, 50) * 1000
                    p99 = percentile(tally.latencies, 99) * 1000
                    print(f"{workers:>7} {n:>8,} {tally.answers / elapsed:>10,.0f} "
                          f"{p50:>8.1f} {p99:>8.1f} {tally.errors:>7,} "
                          f"{cpu * 1000 / answers:>18.1f} {db_ms:>17} "
                          f"{client_ms / answers:>21.1f}", flush=True)
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
