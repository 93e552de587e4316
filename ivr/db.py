"""Connect the app to its database: its engines, and per request a connection or a session.

Two ways in, one per audience. The webhooks take `get_connection`: Core statements on a pooled
connection (ivr.calls.store), the fast path measured in tests/bench/README.md. Pages take
`get_session`: the ORM, one session per request. Pages never use the connection, and webhooks never
use the session. Work outside a request (jobs, tools) takes `session_scope`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from ivr.crypto import Vault, install_vault

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Twilio waits 15 s for an answer, and a caller must never wait that long in silence: whatever the
# database does, a webhook gives up on it within a few seconds and answers without it
# (ivr.voice.recovery). Connecting (libpq's least is 2 s), waiting for a pooled connection, a
# webhook's statements: each has its own limit, and a server that stops answering altogether (hung,
# not down: its statement_timeout cannot fire) has its connection cut by the watchdog below.
CONNECT_SECONDS = 2
POOL_SECONDS = 2
WEBHOOK_DATABASE_SECONDS = 2.0
SQLITE_BUSY_SECONDS = 2
# How long a worker that could not reach the database takes it as away (ivr.voice.recovery).
UNREACHABLE_FOR_SECONDS = 30.0


def make_engine(url: str, autocommit: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL and foreign keys so it behaves like the production database."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            create_private_file(Path(path))
        # A writer waits this long for another's lock, then gives up: the webhook answers without it.
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # No ping before each request (a round trip every time): a connection the server dropped is
    # found by the request's first read, which ivr.calls.store.first_read tries once more on a new one.
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        connect_args = {"cursor_factory": described_once_cursor(), "connect_timeout": CONNECT_SECONDS}
        if autocommit:
            # The webhooks' statements take milliseconds; one stuck behind a lock gives up in time.
            statement_ms = int(WEBHOOK_DATABASE_SECONDS * 1000)
            connect_args["options"] = f"-c statement_timeout={statement_ms} -c lock_timeout={statement_ms}"
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    return create_engine(
        url, pool_size=5, max_overflow=10, pool_timeout=POOL_SECONDS, connect_args=connect_args, **options
    )


def create_private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner alone (0600) before SQLite makes it with the umask.

    SQLite gives its -wal and -shm files the database file's mode. A file that exists is left as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


@functools.cache
def described_once_cursor() -> type:
    """psycopg's cursor, but the columns a result describes are built once per shape of result.

    psycopg makes `cursor.description` anew on each access, a Column and a type lookup per field,
    and SQLAlchemy reads it after every statement: for the webhooks' read of a call (39 fields) that
    was a quarter of the statement's CPU. The Columns hold nothing of the cursor they came from, and
    the same names, types and sizes describe the same columns.
    """
    import psycopg

    shapes: dict[tuple[tuple[bytes | None, int, int, int], ...], list[psycopg.Column]] = {}

    class DescribedOnce(psycopg.Cursor[Any]):
        @property
        def description(self) -> list[psycopg.Column] | None:
            result = self.pgresult
            if result is None or not result.nfields:
                return super().description
            shape = tuple(
                (result.fname(i), result.ftype(i), result.fmod(i), result.fsize(i))
                for i in range(result.nfields)
            )
            columns = shapes.get(shape)
            if columns is None:
                if len(shapes) >= 500:  # the app's statements have a few dozen shapes; ad hoc ones more
                    shapes.clear()
                columns = shapes[shape] = super().description or []
            return list(columns)

    return DescribedOnce


def init_app(app: Flask) -> None:
    settings = app.config["IVR"]
    install_vault(Vault(settings.data_keys))
    engine = make_engine(settings.database_url)
    app.extensions["ivr.db"] = sessionmaker(engine, expire_on_commit=False)
    app.extensions["ivr.engine"] = engine
    # The webhooks' connections. On PostgreSQL each webhook's writes are one statement
    # (ivr.calls.store), so their connections are made in autocommit: no BEGIN or COMMIT round
    # trips, and none of the cost of switching a pooled connection in and out of it per request.
    app.extensions["ivr.webhook_engine"] = (
        make_engine(settings.database_url, autocommit=True) if engine.dialect.name == "postgresql" else engine
    )
    app.teardown_appcontext(_close_request_database)


def dispose(app: Flask) -> None:
    """Close the pooled connections of the app's engines (tests and tools, when done with an app)."""
    app.extensions["ivr.webhook_engine"].dispose()
    app.extensions["ivr.engine"].dispose()


def get_connection() -> Connection:
    """Return the current webhook's database connection, opening it on first use.

    The webhooks read and write with Core statements on it (ivr.calls.store), never with the
    pages' session; closing it at the end of the request rolls back whatever was not committed.
    On PostgreSQL the watchdog cuts it if the database has not finished within
    WEBHOOK_DATABASE_SECONDS: the webhook's statement then fails, and it answers without it.
    """
    connection: Connection | None = g.get("db_connection")
    if connection is None:
        try:
            connection = current_app.extensions["ivr.webhook_engine"].connect()
        except Exception:
            mark_unreachable()
            raise
        g.db_connection = connection
        if connection.dialect.name == "postgresql":
            g.db_watch = WATCHDOG.watch(connection.connection.dbapi_connection, WEBHOOK_DATABASE_SECONDS)
    return connection


def current_connection() -> Connection | None:
    """The webhook's connection if it has one already: undoing its work never opens a new one."""
    connection: Connection | None = g.get("db_connection")
    return connection


def database_unreachable(error: BaseException) -> bool:
    """Whether an error says the database could not be reached in time (not a fault of the request)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def mark_unreachable() -> None:
    """Note that this worker could not reach the app's database just now."""
    current_app.extensions["ivr.db_unreachable_at"] = time.monotonic()


def recently_unreachable() -> bool:
    """Whether this worker failed to reach the app's database within UNREACHABLE_FOR_SECONDS."""
    since: float | None = current_app.extensions.get("ivr.db_unreachable_at")
    return since is not None and time.monotonic() - since < UNREACHABLE_FOR_SECONDS


class Watchdog:
    """Cuts a webhook's database connection when the database has not answered in time.

    A hung server (stopped, swapping, a network that drops packets) answers nothing: no server-side
    timeout fires, and libpq waits for ever. One thread per worker looks a few times a second at the
    connections webhooks are using, and shuts down the socket of one past its deadline: the statement
    waiting on it fails at once, and SQLAlchemy drops the connection from the pool.
    """

    TICK_SECONDS = 0.2

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[float, Any]] = {}
        self._thread: threading.Thread | None = None

    def watch(self, dbapi_connection: Any, seconds: float) -> int:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ivr-db-watchdog", daemon=True)
                self._thread.start()
            token = id(dbapi_connection)
            self._watched[token] = (time.monotonic() + seconds, dbapi_connection)
            return token

    def release(self, token: int) -> None:
        with self._lock:
            self._watched.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                for token, (deadline, dbapi_connection) in list(self._watched.items()):
                    if now >= deadline:
                        del self._watched[token]
                        _cut(dbapi_connection)


def _cut(dbapi_connection: Any) -> None:
    try:
        descriptor = dbapi_connection.fileno()
    except Exception:  # noqa: BLE001, S110 - already closed: nothing to cut
        return
    cut = socket.socket(fileno=descriptor)
    try:
        with contextlib.suppress(OSError):  # the server closed it first: cut all the same
            cut.shutdown(socket.SHUT_RDWR)
    finally:
        cut.detach()  # the descriptor stays the driver's, to close as it does


WATCHDOG = Watchdog()


def get_session() -> Session:
    """Return the current page's ORM session, opening it on first use.

    Pages read and write through it, never through the webhooks' connection. It is closed at the
    end of the request, which rolls back whatever the page did not commit.
    """
    session: Session | None = g.get("db_session")
    if session is None:
        session = g.db_session = current_app.extensions["ivr.db"]()
    return session


def _close_request_database(_error: BaseException | None) -> None:
    # One teardown for both: a webhook pays for one call, and finds no session to close.
    watch: int | None = g.pop("db_watch", None)
    if watch is not None:
        WATCHDOG.release(watch)
    connection: Connection | None = g.pop("db_connection", None)
    if connection is not None:
        connection.close()
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask) -> Iterator[Session]:
    """A session for work outside a request (jobs, the simulator's checks); commits on success."""
    session: Session = app.extensions["ivr.db"]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(database_url: str) -> AlembicConfig:
    # Alembic (and Mako under it) cost each web worker ~11 MB: import them only to migrate.
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the database schema up to date with Alembic."""
    from alembic import command

    command.upgrade(alembic_config(app.config["IVR"].database_url), revision)
