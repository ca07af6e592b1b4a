"""Which sandbox a server runs code in, and why: `isolated` where bubblewrap works (tried for real, once), else `process`.

`process` runs code as the server's user with everything that user can reach, so a server listening
beyond loopback refuses it unless told `allow_unisolated=True` (`--allow-unisolated-code`).
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import sandbox_bwrap as bwrap
from .sandbox_launch import WORKER, BubblewrapLauncher, Limits

MODES = ("isolated", "process")


class SandboxUnavailable(Exception):
    """The sandbox asked for can't run here, or `process` was refused; the message says what to do."""


@dataclass(frozen=True)
class Isolation:
    mode: str  # "isolated" or "process"
    reason: str  # why this one, for the server's banner and log
    bwrap: str | None = None  # isolated: the bwrap to run
    host_id: int | None = None  # isolated under a root server: the host uid/gid code runs as

    @property
    def label(self) -> str:
        return f"{self.mode} code interpreter ({self.reason})"


def choose(requested: str | None, *, loopback: bool, allow_unisolated: bool) -> Isolation:
    """The sandbox for a server: `requested` ("isolated", "process" or None: the best that works here)."""
    if requested not in (None, *MODES):
        raise SandboxUnavailable(f"unknown sandbox {requested!r}: use isolated or process")
    if requested == "process":
        isolation = Isolation("process", "--sandbox process: code runs unisolated, as this user")
    else:
        found = probe()
        if isinstance(found, tuple):
            path, host_id = found
            as_who = f"code runs as host uid {host_id}" if host_id is not None else "code runs as this user"
            return Isolation("isolated", f"bubblewrap {bubblewrap_version(path)}; {as_who}", path, host_id)
        if requested == "isolated":
            raise SandboxUnavailable(
                f"--sandbox isolated: bubblewrap can't run here ({found}). It needs Linux with unprivileged user "
                "namespaces (on Debian and Ubuntu: sysctl kernel.unprivileged_userns_clone=1, and on Ubuntu 24.04 also "
                "kernel.apparmor_restrict_unprivileged_userns=0). Or pass --sandbox process to run code unisolated."
            )
        isolation = Isolation("process", f"bubblewrap can't run here: {found}; code runs unisolated, as this user")
    if not loopback and not allow_unisolated:
        raise SandboxUnavailable(
            f"refusing to listen beyond loopback with an unisolated code interpreter ({isolation.reason}): anyone with "
            "a key could run code as this user. Make bubblewrap work (--sandbox isolated), or pass --allow-unisolated-code."
        )
    return isolation


@functools.cache
def probe() -> tuple[str, int | None] | str:
    """(bwrap, host uid) when a real test sandbox runs here, else why not. Run once per process: the answer doesn't change."""
    if not sys.platform.startswith("linux"):
        return "it needs Linux"
    try:
        path, host_id = bwrap.bwrap_path(), bwrap.host_id()
        with tempfile.TemporaryDirectory(prefix="asst-sandbox-probe-") as temp:
            workdir = Path(temp) / "work"
            workdir.mkdir()
            launcher = BubblewrapLauncher(Limits(), path, bwrap.view(Path(temp) / "system", WORKER, []), host_id)
            launcher.check(workdir)
    except (OSError, ImportError) as exc:
        return str(exc) or type(exc).__name__
    return path, host_id


@functools.cache
def bubblewrap_version(path: str) -> str:
    try:
        said = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return "(version unknown)"
    return said[-1] if said else "(version unknown)"
