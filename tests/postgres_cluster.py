"""A real PostgreSQL cluster for the tests: `initdb` and `pg_ctl` in a temp dir, on a Unix socket only.

The binaries are PostgreSQL's own (Debian's `postgresql` package puts them under /usr/lib/postgresql/N/bin;
`ASST_TUI_PG_BIN` names another dir). PostgreSQL refuses to run as root, so as root the cluster belongs to
the `postgres` user and its commands run through `runuser`. Without the binaries the tests that need a
cluster are skipped, unless `ASST_TUI_REQUIRE_POSTGRES=1` (CI) makes that an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_ROOTS = (Path("/usr/lib/postgresql"), Path("/usr/local/pgsql"))
START_TIMEOUT_S = 30


def find_bin_dir() -> Path | None:
    """The dir holding `initdb` and `pg_ctl`: ASST_TUI_PG_BIN, then PATH, then the newest Debian version."""
    named = os.environ.get("ASST_TUI_PG_BIN")
    if named:
        return Path(named) if (Path(named) / "initdb").exists() else None
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    candidates = [root / version / "bin" for root in PG_ROOTS if root.is_dir() for version in os.listdir(root)]
    found = [c for c in candidates if (c / "initdb").exists()]
    return max(found, key=lambda p: p.parent.name) if found else None


@dataclass(frozen=True)
class Cluster:
    """A running cluster: connect with `dsn(database)`; `create_database` makes a fresh, empty one."""

    socket_dir: Path
    port: int
    user: str

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        """A new empty database, its DSN."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def running_cluster(bin_dir: Path) -> Iterator[Cluster]:
    """initdb + pg_ctl start in a fresh temp dir; stopped (fast) and removed at exit."""
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="asst-tui-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if owner:
        shutil.chown(root, owner)
        shutil.chown(sockets, owner)
    user = owner or os.environ.get("USER") or "postgres"
    port = 5400 + os.getpid() % 500
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    run = lambda *args: subprocess.run(_as_owner([str(bin_dir / args[0]), *args[1:]], owner), check=True, env=env, capture_output=True)  # noqa: E731
    try:
        run("initdb", "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", str(START_TIMEOUT_S), "start")
        yield Cluster(sockets, port, user)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], owner), env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def wait_until_ready(cluster: Cluster, timeout: float = START_TIMEOUT_S) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(cluster.dsn(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One cluster for the whole session; each test that needs a clean database makes its own."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("ASST_TUI_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl) are missing and ASST_TUI_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    with running_cluster(bin_dir) as cluster:
        wait_until_ready(cluster)
        yield cluster
