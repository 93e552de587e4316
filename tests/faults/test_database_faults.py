"""Faults injected into a real line: its PostgreSQL stopped and hung mid-call, its journal's disk full,
its workers restarted. Nothing a caller left is lost, and nobody waits in silence.

A private PostgreSQL cluster (initdb in a temporary folder, on a free port: never the shared test
server) and the line under gunicorn with the project's gunicorn.conf.py, driven by signed requests.
Runs only on CI's PostgreSQL pass (TEST_DATABASE_URL is PostgreSQL, so its binaries are there).
"""

# ruff: noqa: S603, S607, S310 - the test runs PostgreSQL's own binaries and requests its own loopback server

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from twilio.request_validator import RequestValidator

from ivr import create_app, db
from ivr.config import PROJECT_ROOT
from tests.menu_walk import keys_to_a_person

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="faults are injected into a private PostgreSQL server: run with TEST_DATABASE_URL=postgresql+psycopg://...",
)

TOKEN = "f" * 32
ANSWER_WITHIN_SECONDS = 5.0
CLOSED = "2026-11-28T23:00:00-05:00"  # a Saturday night: every caller leaves a message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Postgres:
    """A private cluster: started, stopped, hung (SIGSTOP) and woken."""

    data: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/ivr"

    def ctl(self, *args: str) -> None:
        subprocess.run(
            as_owner(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "log"), "-w", *args]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("-o", options, "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")

    def processes(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True, check=False
        )
        return [postmaster, *(int(pid) for pid in children.stdout.split())]

    def hang(self) -> list[int]:
        hung = self.processes()
        for pid in hung:
            os.kill(pid, signal.SIGSTOP)
        return hung

    @staticmethod
    def wake(hung: list[int]) -> None:
        for pid in hung:
            os.kill(pid, signal.SIGCONT)


@dataclass
class Tally:
    inputs: int = 0
    faults: int = 0
    completed: set[str] = field(default_factory=set)
    slowest_hung: float = 0.0


@dataclass
class Line:
    """The line under gunicorn, and Twilio's side of its calls."""

    url: str
    process: subprocess.Popen[bytes]
    tally: Tally
    journal: Path
    journal_disk_mounted: bool = False

    def post(self, path: str, params: dict[str, str]) -> tuple[int, str, float]:
        url = path if path.startswith("http") else self.url + path
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
        )
        self.tally.inputs += 1
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our own loopback server
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        return status, body, time.monotonic() - started

    def twiml(self, path: str, params: dict[str, str]) -> tuple[ElementTree.Element, float]:
        status, body, took = self.post(path, params)
        assert status == 200, (path, status, body[:200])
        document = ElementTree.fromstring(body)
        assert document.tag == "Response"
        return document, took


def params(call_sid: str, **extra: str) -> dict[str, str]:
    return {
        "CallSid": call_sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+15555550123",
        "To": "+18883514024",
        "CallStatus": "in-progress",
    } | extra


def walk_to_a_message(line: Line, call_sid: str) -> ElementTree.Element:
    """Call and press the keys to a person; the line is closed: the answer holds the Record."""
    answer, _ = line.twiml("/voice/incoming", params(call_sid))
    for key in keys_to_a_person():
        gather = answer.find(".//Gather")
        if gather is None:
            break
        answer, _ = line.twiml(gather.attrib["action"], params(call_sid, Digits=key))
    record = answer.find("Record")
    assert record is not None, ElementTree.tostring(answer).decode()
    return record


def leave_message(line: Line, call_sid: str, record: ElementTree.Element, n: int) -> tuple[str, float]:
    """Twilio's recording callback, then the Record action: what the caller hears, the slowest answer."""
    sid = f"RE{n:032x}"
    recording = {
        "RecordingSid": sid,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}",
        "RecordingDuration": "20",
    }
    status, _, took_callback = line.post(
        record.attrib["recordingStatusCallback"], params(call_sid, RecordingStatus="completed", **recording)
    )
    assert status in (200, 503)
    answer, took = line.twiml(record.attrib["action"], params(call_sid, Digits="#", **recording))
    heard = " ".join(say.text or "" for say in answer.iter("Say"))
    return heard, max(took, took_callback)


def voicemail_count(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM voicemails")) or 0)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not found:
        pytest.skip("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
    # Not under pytest's temporary folder: the postgres user must be able to reach it.
    data = Path(tempfile.mkdtemp(prefix="ivr-faults-pg-"))
    if os.geteuid() == 0:
        os.chown(data, *_postgres_ids())
    server = Postgres(data / "cluster", free_port(), Path(found[-1]))
    subprocess.run(
        as_owner(
            [
                str(server.bin / "initdb"),
                "-D",
                str(server.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    server.start()
    subprocess.run(
        [str(server.bin / "createdb"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "ivr"],
        check=True,
    )
    yield server
    subprocess.run(
        as_owner([str(server.bin / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop"]),
        check=False,
        capture_output=True,
    )
    shutil.rmtree(data, ignore_errors=True)


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


@pytest.fixture(scope="module")
def line(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Line]:
    port, folder = free_port(), tmp_path_factory.mktemp("line")
    journal = folder / "journal"
    journal.mkdir()
    # The journal on a disk of its own, small enough to fill: a tmpfs, which only root can mount.
    mounted = os.geteuid() == 0 and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(journal)], check=False
        ).returncode
        == 0
    )
    env = {
        "IVR_ENV": "testing",
        "SECRET_KEY": "s" * 32,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "IVR_DATA_KEY": Fernet.generate_key().decode(),
        "IVR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": postgres.url,
        "IVR_FIXED_TIME": CLOSED,
        "IVR_JOURNAL": str(journal / "callbacks.jsonl"),
    }
    app = create_app(env)
    db.upgrade(app)
    db.dispose(app)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (folder / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=PROJECT_ROOT,
        env=os.environ | env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    served = Line(f"http://127.0.0.1:{port}", process, Tally(), journal, mounted)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(served.url + "/health", timeout=2).close()  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.3)
    yield served
    process.terminate()
    process.wait(timeout=20)
    log.close()
    if mounted:
        subprocess.run(["umount", str(journal)], check=False)
    tally = served.tally
    print(
        f"\nfaults: {tally.inputs} inputs, {tally.faults} faults injected, "
        f"{len(tally.completed)} calls completed (reached voicemail), "
        f"voicemails kept {voicemail_count(postgres.url)}, "
        f"slowest answer while the database hung {tally.slowest_hung:.2f} s"
    )


def wait_for_voicemails(line: Line, postgres: Postgres, expected: int, seconds: float = 30) -> int:
    """Webhooks that reach the database start the replay; poll until every message is a work item."""
    deadline, found = time.monotonic() + seconds, -1
    while time.monotonic() < deadline:
        line.post("/voice/incoming", params(f"CA{'f' * 24}{int(time.monotonic() * 1000) % 10**8:08d}"))
        found = voicemail_count(postgres.url)
        if found >= expected:
            return found
        time.sleep(1)
    return found


def test_voicemails_left_while_postgresql_is_stopped_each_become_one_work_item(
    line: Line, postgres: Postgres
) -> None:
    before = voicemail_count(postgres.url)
    calls = [f"CA{'a' * 30}{n:02d}" for n in range(4)]
    records = {sid: walk_to_a_message(line, sid) for sid in calls}
    postgres.stop()
    line.tally.faults += 1
    try:
        for n, sid in enumerate(calls):
            heard, _ = leave_message(line, sid, records[sid], 100 + n)
            assert "Your message was saved" in heard
            line.tally.completed.add(sid)
            # and the call ends while the database is still away
            line.post("/voice/status", params(sid, CallStatus="completed", CallDuration="60"))
    finally:
        postgres.start()
    assert wait_for_voicemails(line, postgres, before + len(calls)) == before + len(calls)
    time.sleep(2)  # a second replay (another worker, the CLI) must add nothing
    line.post("/voice/incoming", params("CA" + "b" * 32))
    assert voicemail_count(postgres.url) == before + len(calls)


def test_every_webhook_answers_in_seconds_while_postgresql_hangs(line: Line, postgres: Postgres) -> None:
    before = voicemail_count(postgres.url)
    caller = "CA" + "c" * 30 + "01"
    record = walk_to_a_message(line, caller)
    hung = postgres.hang()
    line.tally.faults += 1
    slowest, n = 0.0, 0
    try:
        until = time.monotonic() + 20
        while time.monotonic() < until:
            n += 1
            sid = f"CA{'d' * 26}{n:06d}"
            answer, took = line.twiml("/voice/incoming", params(sid))
            slowest = max(slowest, took)
            assert (
                answer.find("Record") is not None
                or answer.find("Enqueue") is not None
                or answer.find(".//Gather")
            )
            answer, took = line.twiml("/voice/fallback", params(sid, ErrorCode="11200"))
            slowest = max(slowest, took)
            assert answer.find("Say") is not None
        heard, took = leave_message(line, caller, record, 200)
        slowest = max(slowest, took)
        assert "Your message was saved" in heard
        line.tally.completed.add(caller)
    finally:
        postgres.wake(hung)
    line.tally.slowest_hung = max(line.tally.slowest_hung, slowest)
    assert slowest < ANSWER_WITHIN_SECONDS
    assert wait_for_voicemails(line, postgres, before + 1) == before + 1


def test_restarted_workers_go_on_answering(line: Line, postgres: Postgres) -> None:
    before = voicemail_count(postgres.url)
    caller = "CA" + "e" * 30 + "01"
    record = walk_to_a_message(line, caller)
    line.process.send_signal(signal.SIGHUP)  # gunicorn replaces its workers
    line.tally.faults += 1
    time.sleep(3)
    heard, _ = leave_message(line, caller, record, 300)
    assert "Your message was saved" in heard
    line.tally.completed.add(caller)
    assert voicemail_count(postgres.url) == before + 1


def test_a_full_journal_disk_still_answers_the_caller_and_asks_twilio_again(
    line: Line, postgres: Postgres
) -> None:
    if not line.journal_disk_mounted:
        pytest.skip("the journal's disk is filled on a small tmpfs, which only root can mount")
    caller = "CA" + "9" * 30 + "01"
    record = walk_to_a_message(line, caller)
    filler = line.journal / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError:
        pass  # no space left on the journal's disk
    finally:
        os.close(descriptor)
    postgres.stop()
    line.tally.faults += 2
    try:
        sid = "RE" + "9" * 32
        recording = {
            "RecordingSid": sid,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}",
            "RecordingDuration": "20",
        }
        status, _, took_callback = line.post(
            record.attrib["recordingStatusCallback"], params(caller, RecordingStatus="completed", **recording)
        )
        assert status == 503  # neither the database nor the journal took it: Twilio is asked again
        answer, took = line.twiml(record.attrib["action"], params(caller, Digits="#", **recording))
        heard = " ".join(say.text or "" for say in answer.iter("Say"))
        # Not told "saved": the line says something went wrong, and says goodbye.
        assert "something went wrong" in heard and "Your message was saved" not in heard
        assert max(took, took_callback) < ANSWER_WITHIN_SECONDS
    finally:
        filler.unlink()
        postgres.start()
