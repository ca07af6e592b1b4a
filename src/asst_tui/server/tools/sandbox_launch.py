"""Starting a code-interpreter worker, in a bubblewrap sandbox (`isolated`) or as a plain child process (`process`), and stopping all of it.

Both start `python -I sandbox_worker.py SETTINGS` in the thread's working directory with an
allow-list environment, in a session of its own. A `Worker` knows which processes are its own:
for `isolated`, everything in its pid namespace, ended at once by killing the namespace's pid 1;
for `process`, its descendants as /proc shows them (a process that detaches from its parent
escapes that view: `process` is no security boundary).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import sandbox_bwrap as bwrap
from . import sandbox_files, sandbox_tree

WORKER = Path(__file__).with_name("sandbox_worker.py")
CHECK_TIMEOUT_S = 20.0
DRAIN_S = 5.0  # longest wait for a killed worker's pipe to close
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
_BLAS_THREADS = str(min(os.cpu_count() or 1, 8))  # numeric libraries start a thread per core; threads count as processes


@dataclass(frozen=True)
class Limits:
    """What one worker's tree may use."""

    memory_mb: int = 1024
    disk_mb: int = 1024  # the working dir (its /tmp included); also the largest file
    processes: int = 128  # processes and threads
    cpu_s: int = 3600  # CPU seconds of each process

    def settings(self, uid: int | None, *, limit_processes: bool) -> str:
        """The worker's command-line settings (JSON)."""
        return json.dumps({
            "memory_mb": self.memory_mb,
            "file_bytes": self.disk_mb * 1024 * 1024,
            "cpu_s": self.cpu_s,
            "processes": self.processes if limit_processes else None,
            "uid": uid,
        })  # fmt: skip


class Worker:
    """A running worker: its process (bwrap, or the worker itself) and, isolated, its pid namespace's pid 1."""

    def __init__(self, proc: asyncio.subprocess.Process, leader: int | None = None) -> None:
        self.proc = proc
        self.leader = leader  # killing it ends the whole pid namespace
        self._leader_fd = _pidfd(leader) if leader is not None else None

    def pids(self) -> list[int]:
        """Host pids of every process of this worker (bwrap's own included)."""
        return sandbox_tree.tree(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL every process of the worker; safe to repeat."""
        if self._leader_fd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._leader_fd, signal.SIGKILL)
        elif self.leader is not None and self.proc.returncode is None:  # no pidfd: the pid is bwrap's child while bwrap runs
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.leader, signal.SIGKILL)
        elif self.proc.returncode is None:
            sandbox_tree.kill_tree(self.proc.pid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def wait(self) -> int:
        """Its exit code once it has exited. What it left in its pipe is read and dropped first: asyncio notices
        the exit only once the pipe is closed, and stops reading a pipe whose unread data passes its buffer."""
        try:
            async with asyncio.timeout(DRAIN_S):
                assert self.proc.stdout is not None
                while await self.proc.stdout.read(1 << 16):
                    pass
                code = await self.proc.wait()
        except TimeoutError:  # a process it started holds the pipe open (only `process` mode lets one escape)
            code = self.proc.returncode if self.proc.returncode is not None else -signal.SIGKILL
        self._close_handle()
        return code

    def _close_handle(self) -> None:
        if self._leader_fd is not None:
            os.close(self._leader_fd)
            self._leader_fd = None


class ProcessLauncher:
    """`process`: the worker runs as the server's user with the server's view of the machine; rlimits, no isolation."""

    mode = "process"
    signal_offset = 0  # exit codes are the worker's own (a signal is a negative return code)

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    async def start(self, workdir: Path) -> Worker:
        tmp = sandbox_files.private_dir(workdir, None)
        # No RLIMIT_NPROC here: it would count every process of the server's user, not the worker's.
        settings = self.limits.settings(None, limit_processes=False)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-I", str(WORKER), settings,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            cwd=workdir, env=environment(str(workdir), str(tmp), os.environ.get("PATH", os.defpath)),
            start_new_session=True,
        )  # fmt: skip
        return Worker(proc)


class BubblewrapLauncher:
    """`isolated`: the worker runs in a bubblewrap sandbox (sandbox_bwrap.py says what it sees)."""

    mode = "isolated"
    signal_offset = 128  # bwrap reports a worker killed by signal N as exit code 128 + N

    def __init__(self, limits: Limits, bwrap_path: str, view: bwrap.View, host_id: int | None) -> None:
        self.limits = limits
        self.bwrap_path = bwrap_path
        self.view = view
        self.host_id = host_id  # set when the server is root: the host uid/gid the code runs as

    async def start(self, workdir: Path) -> Worker:
        launch = await asyncio.to_thread(self._prepare, workdir, [])
        try:
            proc = await asyncio.create_subprocess_exec(
                *launch.argv, pass_fds=launch.child_fds,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                env=environment(bwrap.WORKDIR, "/tmp", SANDBOX_PATH), start_new_session=True,
            )  # fmt: skip
        except BaseException:
            launch.close()
            raise
        worker = Worker(proc)
        try:
            worker = Worker(proc, await asyncio.to_thread(launch.finish))
        except BaseException:
            worker.kill()
            await worker.wait()
            raise
        return worker

    def check(self, workdir: Path) -> None:
        """Start a sandbox that applies the worker's limits and identity, then exits; OSError says what failed."""
        launch = self._prepare(workdir, ["--check"])
        try:
            proc = subprocess.Popen(
                launch.argv, pass_fds=launch.child_fds, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=environment(bwrap.WORKDIR, "/tmp", SANDBOX_PATH), start_new_session=True,
            )  # fmt: skip
        except BaseException:
            launch.close()
            raise
        try:
            launch.finish()
            out, err = proc.communicate(timeout=CHECK_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            proc.kill()
            out, err = proc.communicate()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise OSError(f"a test sandbox did not finish within {CHECK_TIMEOUT_S:g} s") from None
        if out != b"ok\n":
            said = err.decode(errors="replace").strip().splitlines()
            raise OSError(said[-1] if said else f"a test sandbox exited with status {proc.returncode}")

    def _prepare(self, workdir: Path, extra: list[str]) -> _Launch:
        if self.host_id is not None:
            sandbox_files.hand_over(workdir, self.host_id)
        launch = _Launch(self.host_id)
        try:
            launch.dirs.append(sandbox_files.open_dir(workdir))
            launch.dirs.append(sandbox_files.open_dir(sandbox_files.private_dir(workdir, self.host_id)))
            uid = bwrap.SANDBOX_ID if self.host_id is not None else None
            worker_argv = [sys.executable, "-I", bwrap.WORKER_INSIDE, self.limits.settings(uid, limit_processes=True), *extra]
            launch.argv = bwrap.command(
                self.bwrap_path, self.view, worker_argv, workdir_fd=launch.dirs[0], tmp_fd=launch.dirs[1],
                info_fd=launch.info_child, userns_fd=launch.userns.fd if launch.userns else None,
                shm_bytes=self.limits.memory_mb * 1024 * 1024 // 4,
            )  # fmt: skip
        except BaseException:
            launch.close()
            raise
        return launch


class _Launch:
    """What one bwrap start holds: the descriptors the child inherits, the server's end of the info pipe, a root server's Userns."""

    def __init__(self, host_id: int | None) -> None:
        self.argv: list[str] = []
        self.dirs: list[int] = []  # O_PATH descriptors of the working dir and its private /tmp
        self.info_read, self.info_child = os.pipe()
        self.userns = bwrap.Userns(host_id) if host_id is not None else None

    @property
    def child_fds(self) -> tuple[int, ...]:
        userns = self.userns.fd if self.userns is not None else None
        return tuple(fd for fd in (*self.dirs, self.info_child, userns) if fd is not None)

    def finish(self) -> int:
        """Once bwrap runs: learn its sandbox's pid 1 (which also means it has joined its user namespace), let go of the rest."""
        _close((*self.dirs, self.info_child))
        self.dirs, self.info_child = [], None
        try:
            return bwrap.read_info(self.info_read)
        finally:
            self.close()

    def close(self) -> None:
        _close((*self.dirs, self.info_child, self.info_read))
        self.dirs, self.info_child, self.info_read = [], None, None
        if self.userns is not None:
            self.userns.close()
            self.userns = None


def _close(fds: tuple[int | None, ...]) -> None:
    for fd in fds:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def environment(home: str, tmp: str, path: str) -> dict[str, str]:
    """An allow-list: no variable of the server (API keys, tokens…) reaches user code. The worker's Python comes first on PATH."""
    return {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), path]),
        "HOME": home,
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "TMPDIR": tmp,
        "MPLBACKEND": "Agg",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",
        "MALLOC_ARENA_MAX": "2",  # per-thread malloc arenas would eat the RLIMIT_AS budget
        "OMP_NUM_THREADS": _BLAS_THREADS,
        "OPENBLAS_NUM_THREADS": _BLAS_THREADS,
        "MKL_NUM_THREADS": _BLAS_THREADS,
    }


def _pidfd(pid: int) -> int | None:
    """A descriptor naming pid for good (Linux ≥ 5.3), so a kill never reaches a process that reused the number."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None

