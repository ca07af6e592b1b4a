"""What is PostgreSQL's own in the PostgreSQL store: its versioned migrations, its failures as storage errors,
text it can't hold, its ranking beside SQLite's, and `asst-tui serve --database`'s start-up errors.

Everything runs on the session's real cluster (`pg_cluster`); each test makes its own database.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import psycopg
import pytest

from asst_tui.server import EmbeddedServer, ServerConfig, spawn_server, start_server
from asst_tui.server.core.projects import DEFAULT_PROJECT
from asst_tui.server.storage import errors, pg_errors
from asst_tui.server.storage.file_dir import FileDir
from asst_tui.server.storage.pg_schema import SCHEMA_VERSION
from asst_tui.server.storage.postgres import open_postgres
from asst_tui.server.storage.sqlite import open_sqlite
from tests.postgres_cluster import Cluster

from .conftest import MODEL, async_client, server_config, sync_client, wait_for_status

_names = itertools.count(1)


@pytest.fixture
def database(pg_cluster: Cluster) -> str:
    return pg_cluster.create_database(f"pg_store_{os.getpid()}_{next(_names)}")


@pytest.fixture
def servers() -> Iterator[list[EmbeddedServer]]:
    started: list[EmbeddedServer] = []
    yield started
    for srv in started:
        srv.stop()


def _rows(dsn: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """The rows a statement returns (none for a statement that returns none)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(sql, args)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


# ---- migrations ------------------------------------------------------------------------------------


def test_the_schema_is_made_once_and_versioned_and_a_restart_keeps_the_data(database: str, tmp_path: Path, servers: list[EmbeddedServer]) -> None:
    servers.append(srv := start_server(server_config(tmp_path / "a", database=database)))
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, name="Kept", metadata={"zeta": "1", "alpha": "2"})
    srv.stop()
    assert _rows(database, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert not (tmp_path / "a" / "assistants.sqlite3").exists(), "the objects went to SQLite, not PostgreSQL"

    servers.append(again := start_server(server_config(tmp_path / "a", database=database)))
    with sync_client(again.base_url) as client:
        raw = client.beta.assistants.with_raw_response.retrieve(assistant.id).http_response
        assert raw.json()["name"] == "Kept"
        assert list(raw.json()["metadata"]) == ["zeta", "alpha"], "keys come back in the order stored, as on SQLite"
    assert _rows(database, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_two_servers_starting_at_once_on_a_new_database_migrate_it_once(database: str, tmp_path: Path, servers: list[EmbeddedServer]) -> None:
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def start(name: str) -> None:
        barrier.wait()
        try:
            servers.append(start_server(server_config(tmp_path / name, database=database)))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=start, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    assert _rows(database, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    made = []
    for srv in servers:
        with sync_client(srv.base_url) as client:
            made.append(client.beta.assistants.create(model=MODEL).id)
    with sync_client(servers[0].base_url) as client:
        assert set(made) <= {a.id for a in client.beta.assistants.list(limit=100)}


def test_a_child_server_gets_its_database_and_files_dir_through_the_pipe(database: str, tmp_path: Path) -> None:
    server = spawn_server(ServerConfig(data_dir=tmp_path / "data", port=0, database=database, files_dir=tmp_path / "shared"))
    try:
        with sync_client(server.base_url) as client:
            uploaded = client.files.create(file=("notes.txt", b"shared bytes"), purpose="assistants")
    finally:
        server.stop()
    assert (tmp_path / "shared" / uploaded.id).read_bytes() == b"shared bytes"
    assert _rows(database, "SELECT data->>'filename' FROM objects WHERE id = %s", uploaded.id) == [("notes.txt",)]


def test_a_database_from_a_newer_asst_tui_is_refused(database: str, tmp_path: Path) -> None:
    open_postgres(database, tmp_path / "files")  # migrated; its pool never opened
    _rows(database, "UPDATE schema_version SET version = %s", SCHEMA_VERSION + 1)
    with pytest.raises(errors.NewerDatabase, match="newer than this asst-tui knows"):
        open_postgres(database, tmp_path / "files")


# ---- one process: the thread lock ----------------------------------------------------------------------


async def test_concurrent_run_starts_on_one_thread_start_one_run(database: str, tmp_path: Path, servers: list[EmbeddedServer]) -> None:
    """Every store call awaits the network here: the check for an active run and the start must still be one step."""
    servers.append(srv := start_server(server_config(tmp_path / "s", database=database, demo_delay_ms=5)))
    async with async_client(srv.base_url) as client:
        assistant = await client.beta.assistants.create(model=MODEL)

        async def start(thread_id: str) -> str:
            try:
                await client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant.id)
                return "started"
            except openai.BadRequestError:
                return "refused"

        for _ in range(5):
            thread = await client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 2000"}])
            outcomes = await asyncio.gather(*(start(thread.id) for _ in range(40)))
            assert outcomes.count("started") == 1, outcomes.count("started")
            assert len((await client.beta.threads.runs.list(thread.id)).data) == 1


# ---- failures --------------------------------------------------------------------------------------


def test_the_error_mapping_by_sqlstate() -> None:
    cases = {
        psycopg.errors.DiskFull: errors.StorageFull,
        psycopg.errors.TooManyConnections: errors.StorageBusy,
        psycopg.errors.LockNotAvailable: errors.StorageBusy,
        psycopg.errors.SerializationFailure: errors.StorageBusy,
        psycopg.errors.DeadlockDetected: errors.StorageBusy,
        psycopg.errors.QueryCanceled: errors.StorageBusy,
        psycopg.errors.AdminShutdown: errors.StorageFailed,
        psycopg.errors.InsufficientPrivilege: errors.StorageFailed,
        psycopg.errors.IoError: errors.StorageFailed,
        psycopg.errors.DataCorrupted: errors.StorageFailed,
        psycopg.errors.ConnectionFailure: errors.StorageFailed,
    }
    for exc_type, expected in cases.items():
        assert isinstance(pg_errors.storage_error(exc_type("x")), expected), exc_type
    assert isinstance(pg_errors.storage_error(psycopg.OperationalError("the connection is lost")), errors.StorageFailed)
    for bug in (psycopg.errors.UndefinedTable("x"), psycopg.errors.UniqueViolation("x"), psycopg.errors.SyntaxError("x"), ValueError("x")):
        assert pg_errors.storage_error(bug) is None, bug  # a bug in the server stays a bug (a 500), never a storage failure


def test_terminated_connections_are_replaced_without_a_failed_request(database: str, tmp_path: Path, servers: list[EmbeddedServer]) -> None:
    servers.append(srv := start_server(server_config(tmp_path / "s", database=database)))
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, name="before")
        terminated = _rows(
            database, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert terminated, "the server held no connection to terminate"
        assert client.beta.assistants.retrieve(assistant.id).name == "before"
        assert client.beta.assistants.update(assistant.id, name="after").name == "after"


@pytest.fixture
def small_database(pg_cluster: Cluster) -> Iterator[str]:
    """A database in a tablespace on a 16 MB tmpfs (needs root to mount; skipped elsewhere): its disk can really fill."""
    name = f"small_{os.getpid()}_{next(_names)}"
    mount = pg_cluster.socket_dir.parent / name  # under the cluster's own dir: its owner can reach it
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"can't mount a small tmpfs here ({result.stderr.strip() or 'not root'})")
    try:
        if os.geteuid() == 0:
            shutil.chown(mount, pg_cluster.user)
        with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE TABLESPACE \"{name}\" LOCATION '{mount}'")
            conn.execute(f'CREATE DATABASE "{name}" TABLESPACE "{name}"')
        yield pg_cluster.dsn(name)
    finally:
        with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP TABLESPACE IF EXISTS "{name}"')
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_answers_507_and_reads_go_on(small_database: str, tmp_path: Path, servers: list[EmbeddedServer]) -> None:
    servers.append(srv := start_server(server_config(tmp_path / "s", database=small_database)))
    with sync_client(srv.base_url) as client:
        kept = client.beta.assistants.create(model=MODEL, name="kept")
        for _ in range(400):  # each about 190 kB once PostgreSQL has compressed it: the disk fills long before
            try:
                client.beta.assistants.create(model=MODEL, instructions=base64.b64encode(os.urandom(190_000)).decode())
            except openai.APIStatusError as exc:
                full = exc
                break
        else:
            raise AssertionError("the database's disk never filled")
        assert full.status_code == 507 and "PostgreSQL 53100" in full.message and "disk is full" in full.message
        assert full.body is not None and full.body["code"] == "storage_full"  # type: ignore[index]
        assert client.beta.assistants.retrieve(kept.id).name == "kept"


def test_a_table_locked_by_another_session_answers_503_busy_within_seconds(database: str, tmp_path: Path, servers: list[EmbeddedServer]) -> None:
    servers.append(srv := start_server(server_config(tmp_path / "s", database=database)))
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, name="before")
        with psycopg.connect(database) as locker:  # a transaction: the lock holds until the block ends
            locker.execute("LOCK TABLE objects IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(openai.APIStatusError) as answer:
                client.beta.assistants.retrieve(assistant.id)
            assert time.monotonic() - started < 6, "a locked table stalled the request too long"
            assert answer.value.status_code == 503 and answer.value.response.headers["retry-after"] == "1"
            assert "PostgreSQL 55P03" in answer.value.message
        assert client.beta.assistants.retrieve(assistant.id).name == "before"


def test_a_shared_files_dir_keeps_another_servers_fresh_partial_upload(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    fresh, stale = root / "file-a.part", root / "file-b.part"
    fresh.write_bytes(b"being written")
    stale.write_bytes(b"left by a killed server")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    FileDir(root, shared=True)
    assert fresh.exists() and not stale.exists()
    FileDir(root)  # a data dir's own files dir: only its server writes there
    assert not fresh.exists()


def _owned_database(pg_cluster: Cluster, name: str) -> tuple[str, str]:
    """A database owned by a new role that is no superuser (so privileges bind it): (its DSN as that role, as the cluster's user)."""
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
    admin = pg_cluster.dsn(name)
    return admin.replace(f"postgresql://{pg_cluster.user}@", f"postgresql://{name}@", 1), admin


def test_a_database_that_refuses_writes_mid_run_fails_the_run_and_answers_503(pg_cluster: Cluster, tmp_path: Path, servers: list[EmbeddedServer]) -> None:
    role = f"refused_{os.getpid()}_{next(_names)}"
    dsn, admin = _owned_database(pg_cluster, role)
    servers.append(srv := start_server(server_config(tmp_path / "s", database=dsn, demo_delay_ms=5)))
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL)
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 100000"}])
        run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
        wait_for_status(client, thread.id, run.id, "in_progress")
        _rows(admin, f'REVOKE UPDATE ON objects FROM "{role}"')
        try:
            failed = wait_for_status(client, thread.id, run.id, "failed")
            assert failed.last_error is not None and failed.last_error.code == "server_error"
            assert "storage failure" in failed.last_error.message and "PostgreSQL 42501" in failed.last_error.message
            with pytest.raises(openai.APIStatusError) as answer:
                client.beta.assistants.update(assistant.id, name="refused")
            assert answer.value.status_code == 503, answer.value
            assert "The server could not read or write its storage (PostgreSQL 42501" in answer.value.message
        finally:
            _rows(admin, f'GRANT UPDATE ON objects TO "{role}"')
        deadline = time.monotonic() + 10  # the run's end is stored once the database takes writes again
        while _rows(admin, "SELECT data->>'status' FROM objects WHERE id = %s", run.id) != [("failed",)]:
            assert time.monotonic() < deadline, "the failed run's end never reached the database"
            time.sleep(0.05)
        client.beta.threads.messages.create(thread.id, role="user", content="/lorem 3")
        assert client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20).status == "completed"


# ---- text PostgreSQL can't hold, and ranking -------------------------------------------------------


async def test_nul_surrogates_and_nan_are_repaired_and_unicode_kept(database: str, tmp_path: Path) -> None:
    storage = open_postgres(database, tmp_path / "files")
    try:
        store = storage.objects.project(DEFAULT_PROJECT)
        await store.insert("assistant", {"id": "asst_1", "name": "a\x00b", "note": "x\ud800y", "n": float("nan"), "ok": "café 日本 😀 שלום"})
        got = await store.get("assistant", "asst_1")
        assert got == {"id": "asst_1", "name": "a\ufffdb", "note": "x\ufffdy", "n": None, "ok": "café 日本 😀 שלום"}
        assert await store.select("assistant", {"ok": "café 日本 😀 שלום"}) == [got]
        assert await storage.chunks.replace("vs_1", "file_1", ["binary\x00junk then café prose", "nothing here"]) == 2
        hits = await storage.chunks.search(["café"], [("vs_1", "file_1")], 5)
        assert [h.text for h in hits] == ["binary\ufffdjunk then café prose"]
    finally:
        await storage.close()


async def test_a_call_cancelled_meanwhile_still_finishes_as_on_sqlite(database: str, tmp_path: Path) -> None:
    storage = open_postgres(database, tmp_path / "files")
    try:
        store = storage.objects.project(DEFAULT_PROJECT)
        await store.insert("thread", {"id": "thread_0"})  # the pool is open: the next call goes straight to the network
        for i in range(1, 6):
            call = asyncio.ensure_future(store.insert("thread", {"id": f"thread_{i}"}))
            for _ in range(i):  # cancelled at a different point of the call each time
                await asyncio.sleep(0)
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await call
            assert await store.get("thread", f"thread_{i}") == {"id": f"thread_{i}"}, f"the insert cancelled after {i} steps was cut off"
    finally:
        await storage.close()


CORPUS = [
    "The quarterly revenue grew by twelve percent, driven by subscriptions in Europe.",
    "Our refund policy: customers may return hardware within thirty days for a full refund.",
    "Install the agent with the package manager, then restart the service and check the logs.",
    "Revenue from hardware fell, while subscription revenue in Europe and Asia kept growing.",
    "The service logs rotate daily; old logs are compressed and kept for ninety days.",
    "Penguins live in the southern hemisphere and cannot fly.",
    "The café on the corner shows naïve paintings.",
]
QUERIES = ["refund policy for hardware", "subscription revenue Europe", "where are the service logs kept", "penguins", "restart the agent", "cafe naive"]


async def test_postgres_ranks_chunks_as_sqlite_does(database: str, tmp_path: Path) -> None:
    (tmp_path / "sqlite").mkdir()
    stores = {"sqlite": open_sqlite(tmp_path / "sqlite"), "postgres": open_postgres(database, tmp_path / "files")}
    try:
        ranked = {}
        for name, storage in stores.items():
            await storage.chunks.replace("vs_1", "file_a", CORPUS[:3])
            await storage.chunks.replace("vs_1", "file_b", CORPUS[3:])
            ranked[name] = [[h.text for h in await storage.chunks.search([q], [("vs_1", "file_a"), ("vs_1", "file_b")], 3)] for q in QUERIES]
            for q in QUERIES:
                assert all(0 <= h.score <= 1 for h in await storage.chunks.search([q], [("vs_1", "file_a"), ("vs_1", "file_b")], 3))
        assert [r[:1] for r in ranked["postgres"]] == [r[:1] for r in ranked["sqlite"]], "the best chunk differs"
        assert [set(r) for r in ranked["postgres"]] == [set(r) for r in ranked["sqlite"]], "the chunks found differ"
    finally:
        for storage in stores.values():
            await storage.close()


# ---- asst-tui serve --database ---------------------------------------------------------------------


def _serve(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ASST_TUI_DATABASE_URL"}
    environ.update({"PYTHONUNBUFFERED": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", "asst_tui.cli", "serve", "--port", "0", *args], capture_output=True, text=True, env=environ, timeout=timeout)


@pytest.mark.parametrize(
    "url, says",
    [
        ("mysql://root:hunter2secret@db/x", "--database takes a PostgreSQL URL"),
        ("postgresql://bob:hunter2secret@127.0.0.1:1/nothing?connect_timeout=2", "Can't use the database postgresql://bob@127.0.0.1:1/nothing"),
        ("postgresql://bob:hunter2secret@127.0.0.1:notaport/x", "Can't use the database"),
    ],
)
def test_a_bad_or_unreachable_database_stops_serve_with_exit_2_and_no_password(url: str, says: str, tmp_path: Path) -> None:
    result = _serve("--data-dir", str(tmp_path), "--database", url)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert says in result.stderr
    assert "Traceback" not in result.stderr and "hunter2secret" not in result.stderr + result.stdout


def test_the_database_url_from_the_environment_and_a_missing_driver(tmp_path: Path) -> None:
    fake = tmp_path / "no-psycopg" / "psycopg"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('psycopg is not installed here')\n")
    path = os.pathsep.join([str(fake.parent), os.environ.get("PYTHONPATH", "")])
    url = "postgresql://bob:hunter2secret@127.0.0.1:1/x"
    result = _serve("--data-dir", str(tmp_path / "data"), env={"ASST_TUI_DATABASE_URL": url, "PYTHONPATH": path})
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "pip install 'asst-tui[postgres]'" in result.stderr and "Traceback" not in result.stderr
    assert "hunter2secret" not in result.stderr + result.stdout


def test_serve_on_postgres_says_where_its_data_is_without_the_password(pg_cluster: Cluster, tmp_path: Path, spawn_serve: Callable[..., Any]) -> None:
    role = f"shown_{os.getpid()}_{next(_names)}"
    dsn, _ = _owned_database(pg_cluster, role)
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
        conn.execute(f"ALTER ROLE \"{role}\" PASSWORD 'hunter2secret'")
    with_password = dsn.replace(f"postgresql://{role}@", f"postgresql://{role}:hunter2secret@", 1)
    output = spawn_serve("--data-dir", str(tmp_path / "data"), "--database", with_password, "--files-dir", str(tmp_path / "shared"))
    assert f"database: postgresql://{role}@/" in output and f"files: {tmp_path / 'shared'}" in output
    assert "hunter2secret" not in output


@pytest.fixture
def spawn_serve() -> Iterator[Callable[..., str]]:
    """Start `asst-tui serve`, read its start-up lines, stop it with SIGINT; the lines (stdout and stderr)."""
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> str:
        environ = {k: v for k, v in os.environ.items() if k != "ASST_TUI_DATABASE_URL"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "asst_tui.cli", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        procs.append(proc)
        assert proc.stdout is not None
        seen = ""
        deadline = time.monotonic() + 30
        while "data dir:" not in seen and time.monotonic() < deadline and proc.poll() is None:
            seen += proc.stdout.readline()
        proc.send_signal(2)
        out, err = proc.communicate(timeout=20)
        return seen + out + err

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
