"""Fixtures for the end-to-end server tests: real embedded servers on loopback, real SDK clients.

`server` is one session-wide server (no delay, the default expiry) that every test shares; tests that
share it make their own assistants and threads so they never interfere. `make_server(**overrides)`
starts a private server with other settings (a delay per word, a short expiry, a small sandbox time
limit, a key, a given data dir); each is stopped when its test ends, so no server thread outlives
the session.

Both fixtures run on a `store`: "sqlite" (the data dir's own databases), or "postgres" (a fresh database
of the session's `pg_cluster` per server). The SDK suites of `BOTH_STORES` run on each store in turn (their
tests are parametrized, not copied); every other test runs on SQLite. (test_bad_input runs its cases about
what a store can keep on both; its other cases are validation, done before any store is reached.)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from asst_tui.server import EmbeddedServer, ServerConfig, start_server
from asst_tui.server.tools import sandbox_modes

MODEL = "demo-model"
TEST_KEY = "sk-test-not-a-secret"
STORES = ("sqlite", "postgres")
BOTH_STORES = {  # modules (under tests/server) whose tests run on every store
    "test_sdk_lifecycle",
    "test_sdk_runs_streaming",
    "test_sdk_tools",
    "test_file_search",
    "test_conformance",
    "test_projects",
    "test_sdk_assistants_threads_messages",
    "test_vector_stores",
}
_databases = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test of BOTH_STORES whose subject isn't storage; it runs on SQLite only (CI time)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        "store" in metafunc.fixturenames
        and metafunc.module.__name__.rpartition(".")[2] in BOTH_STORES
        and metafunc.definition.get_closest_marker("sqlite_only") is None
    ):
        metafunc.parametrize("store", STORES, indirect=True, scope="session")


@pytest.fixture(scope="session")
def store(request: pytest.FixtureRequest) -> str:
    """The store the servers of a test use: "sqlite" unless its module is one of BOTH_STORES."""
    return str(getattr(request, "param", "sqlite"))


class Databases:
    """Empty databases for test servers: one a finished test gave back, emptied, or else a new one of the cluster.

    CREATE DATABASE takes most of a second here (it copies a template); emptying a used one takes milliseconds."""

    def __init__(self, cluster: Any) -> None:
        self._cluster = cluster
        self._free: list[str] = []

    def take(self) -> str:
        if not self._free:
            return str(self._cluster.create_database(f"server_{next(_databases)}"))
        import psycopg

        dsn = self._free.pop()
        with psycopg.connect(dsn, autocommit=True) as conn:  # everything the server made lives in public (its extension too)
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return dsn

    def give_back(self, dsns: list[str]) -> None:
        """Databases no server uses any more (every server on them stopped)."""
        self._free += dsns


@pytest.fixture(scope="session")
def pg_databases(pg_cluster: Any) -> Databases:
    return Databases(pg_cluster)


def store_overrides(request: pytest.FixtureRequest, store: str) -> dict[str, Any]:
    """ServerConfig fields for the store: an empty database of the session's cluster for "postgres"."""
    if store != "postgres":
        return {}
    return {"database": request.getfixturevalue("pg_databases").take()}


def server_config(data_dir: Path, **overrides: Any) -> ServerConfig:
    fields: dict[str, Any] = dict(
        data_dir=data_dir, port=0, demo_delay_ms=0, run_expiry_seconds=600, sandbox_timeout_s=30
    )
    fields.update(overrides)
    return ServerConfig(**fields)


def sync_client(base_url: str, api_key: str = TEST_KEY, **kwargs: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=30, **kwargs)


def async_client(base_url: str, api_key: str = TEST_KEY, **kwargs: Any) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=30, **kwargs)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, store: str, request: pytest.FixtureRequest) -> Iterator[EmbeddedServer]:
    srv = start_server(server_config(tmp_path_factory.mktemp(f"shared-server-{store}"), **store_overrides(request, store)))
    try:
        yield srv
    finally:
        srv.stop()
        assert not srv._thread.is_alive(), "the shared server thread did not stop"


@pytest.fixture
def make_server(tmp_path: Path, store: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., EmbeddedServer]]:
    """Start private servers (data dir: tmp_path/server unless `data_dir=` is given) on the test's store; all stop at teardown.

    On "postgres" each data dir gets an empty database (given back at teardown), and a server started again on a data dir gets that dir's
    database again (a restart keeps its data, as on SQLite), unless `database=` names one."""
    started: list[EmbeddedServer] = []
    databases: dict[Path, dict[str, Any]] = {}

    def make(**overrides: Any) -> EmbeddedServer:
        overrides.setdefault("data_dir", tmp_path / "server")
        if "database" not in overrides:
            key = Path(overrides["data_dir"]).resolve()
            if key not in databases:
                databases[key] = store_overrides(request, store)
            overrides.update(databases[key])
        srv = start_server(server_config(**overrides))
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
    assert not any(srv._thread.is_alive() for srv in started), "a private server thread did not stop"
    if store == "postgres":
        request.getfixturevalue("pg_databases").give_back([fields["database"] for fields in databases.values()])


@pytest.fixture(params=["isolated", "process"])
def sandbox_mode(request: pytest.FixtureRequest) -> str:
    """Each code-interpreter sandbox in turn; isolated is skipped where bubblewrap can't run."""
    if request.param == "isolated" and not isinstance(found := sandbox_modes.probe(), tuple):
        pytest.skip(f"bubblewrap can't run here: {found}")
    return str(request.param)


@pytest.fixture
def client(server: EmbeddedServer) -> Iterator[openai.OpenAI]:
    with sync_client(server.base_url) as c:
        yield c


@pytest.fixture
async def aclient(server: EmbeddedServer) -> Any:
    async with async_client(server.base_url) as c:
        yield c


def wait_for_status(
    client: openai.OpenAI, thread_id: str, run_id: str, statuses: set[str] | str, timeout: float = 15.0
) -> Any:
    """Poll a run until its status is one of `statuses`; fail after `timeout` seconds."""
    wanted = {statuses} if isinstance(statuses, str) else statuses
    deadline = time.monotonic() + timeout
    while True:
        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
        if run.status in wanted:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} is {run.status!r} after {timeout} s, expected {sorted(wanted)}")
        time.sleep(0.02)


def message_text(message: Any) -> str:
    return "".join(part.text.value for part in message.content if part.type == "text")


def function_tool(name: str, description: str = "A test function.") -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": {}, "additionalProperties": True},
        },
    }
