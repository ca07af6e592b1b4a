"""Which sandbox `asst-tui serve` runs code in, what it says about it, and what it refuses.

Where bubblewrap can't work is made real, not mocked: the server runs inside a user namespace whose
user.max_user_namespaces is 0, so bubblewrap can't make the namespace it needs (root only: writing
another process's id maps takes root).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from asst_tui.server.tools import sandbox_bwrap, sandbox_modes
from asst_tui.server.tools.sandbox_modes import SandboxUnavailable, choose

from .conftest import sync_client
from .sandbox_support import Coder, require_isolation
from .test_sdk_serve import URL, _command, _env, _read_until

LISTENING = re.compile(r"listening on http://\S+/v1")
NO_USERNS = """
import os, sys
if sys.argv[1:2] != ["mapped"]:  # exec'd while no id was mapped, so without capabilities: once mapped, exec again as root
    sys.stdin.readline()
    me = open("/proc/self/cmdline", "rb").read().split(b"\\0")[2].decode()
    os.execv(sys.executable, [sys.executable, "-c", me, "mapped", *sys.argv[1:]])
open("/proc/sys/user/max_user_namespaces", "w").write("0")
os.execv(sys.executable, [sys.executable, "-m", "asst_tui.cli", "serve", *sys.argv[2:]])
"""


@pytest.fixture
def serve() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `asst-tui serve` processes (see _start); any still running at teardown is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, without_userns: bool = False) -> subprocess.Popen[str]:
        started.append(_start(*args, without_userns=without_userns))
        return started[-1]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()


def _start(*args: str, without_userns: bool = False) -> subprocess.Popen[str]:
    """`asst-tui serve ARGS`, here or inside a user namespace where no further one can be made."""
    if not without_userns:
        return subprocess.Popen(_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("making a user namespace with chosen id maps needs root and util-linux's unshare")
    proc = subprocess.Popen(
        ["unshare", "--user", sys.executable, "-c", NO_USERNS, *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    ours = os.readlink("/proc/self/ns/user")
    while os.readlink(f"/proc/{proc.pid}/ns/user") == ours:  # until unshare has made it and runs python in it
        assert proc.poll() is None, proc.communicate()
    for name in ("uid_map", "gid_map"):
        Path(f"/proc/{proc.pid}/{name}").write_text(f"0 0 1\n{sandbox_bwrap.HOST_ID} {sandbox_bwrap.HOST_ID} 1\n")
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return proc


def _banner_and_stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The server's URL and its 'code interpreter:' line, then stop it."""
    match, _ = _read_until(proc, URL)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    proc.terminate()
    proc.communicate(timeout=10)
    return match.group(0), line


def test_serve_says_it_runs_code_isolated_where_bubblewrap_works(serve: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    require_isolation()
    proc = serve("--port", "0", "--data-dir", str(tmp_path / "d"), "--demo-delay-ms", "0")
    _, line = _banner_and_stop(proc)
    assert line.startswith("code interpreter: isolated code interpreter (bubblewrap 0.11")


def test_serve_with_sandbox_process_says_so_and_runs_code(serve: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = serve("--port", "0", "--data-dir", str(tmp_path / "d"), "--demo-delay-ms", "0", "--sandbox", "process")
    match, _ = _read_until(proc, URL)
    assert proc.stderr is not None
    assert proc.stderr.readline() == "code interpreter: process code interpreter (--sandbox process: code runs unisolated, as this user)\n"
    with sync_client(match.group(0)) as client:
        assert Coder(client).run("print(6 * 7)") == "42\n"
    proc.terminate()
    proc.communicate(timeout=10)


def test_serve_refuses_unisolated_code_beyond_loopback_unless_allowed(serve: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    args = ["--host", "0.0.0.0", "--port", "0", "--api-key", "k", "--data-dir", str(tmp_path / "d"), "--sandbox", "process"]
    refused = serve(*args)
    out, err = refused.communicate(timeout=30)
    assert refused.returncode == 1 and out == ""
    assert "refusing to listen beyond loopback with an unisolated code interpreter" in err and "--allow-unisolated-code" in err
    assert not (tmp_path / "d").exists()  # refused before the data dir was made, let alone locked
    allowed = serve(*args, "--allow-unisolated-code")
    _read_until(allowed, LISTENING)
    allowed.terminate()
    allowed.communicate(timeout=10)


def test_sandbox_isolated_where_bubblewrap_cant_run_is_a_clear_start_error(serve: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = serve("--port", "0", "--data-dir", str(tmp_path / "d"), "--sandbox", "isolated", without_userns=True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and out == ""
    assert err.startswith("asst-tui serve: --sandbox isolated: bubblewrap can't run here (")
    assert "user namespaces" in err and "--sandbox process" in err


def test_without_bubblewrap_the_default_falls_back_to_process_and_says_why(serve: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = serve("--port", "0", "--data-dir", str(tmp_path / "d"), "--demo-delay-ms", "0", without_userns=True)
    _, line = _banner_and_stop(proc)
    assert line.startswith("code interpreter: process code interpreter (bubblewrap can't run here: ")
    beyond = serve("--host", "0.0.0.0", "--port", "0", "--api-key", "k", "--data-dir", str(tmp_path / "e"), without_userns=True)
    _, err = beyond.communicate(timeout=60)
    assert beyond.returncode == 1 and "refusing to listen beyond loopback with an unisolated code interpreter (bubblewrap can't" in err


def test_an_unknown_sandbox_is_refused() -> None:
    with pytest.raises(SandboxUnavailable, match="unknown sandbox 'docker': use isolated or process"):
        choose("docker", loopback=True, allow_unisolated=False)


def test_the_probe_answers_once_per_process() -> None:
    assert sandbox_modes.probe() is sandbox_modes.probe()
