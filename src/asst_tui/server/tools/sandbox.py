"""The code interpreter: one persistent Python worker per thread, like a notebook kernel, treated as hostile.

Each key (a thread id) gets a working directory under `root` and a worker (`sandbox_worker.py`) that
keeps its variables between calls, started by a launcher: in a bubblewrap sandbox (`isolated`,
sandbox_bwrap.py) or as a plain child process (`process`). Every worker has a wall-time limit per
call, rlimits, and a watchdog over its whole tree's memory, processes and disk (sandbox_watch.py).
What it sends back is checked frame by frame (sandbox_protocol.py), and the files it leaves are read
without following links (sandbox_files.py). User code that fails, hangs, crashes, overflows a limit
or forges frames produces an `ExecResult`, never an exception. POSIX only.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import sandbox_files as files
from . import sandbox_protocol as protocol
from .sandbox_bwrap import view
from .sandbox_launch import WORKER, BubblewrapLauncher, Limits, ProcessLauncher, Worker
from .sandbox_leftovers import Leftovers
from .sandbox_modes import Isolation
from .sandbox_watch import MAX_ENTRIES, Watchdog, breach_notice

_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_-]")
_LOST = "the interpreter was restarted and its variables were lost."


@dataclass
class ExecResult:
    logs: str  # output in order, then a traceback or notice; truncated to about max_log_chars
    files: list[Path]  # copies of the files this call created or modified in the working dir, sorted by path there
    error: bool = False  # the code raised; the traceback ends the logs
    timed_out: bool = False  # the worker was killed at the time limit; the next call gets a fresh one
    crashed: bool = False  # the worker died, broke the protocol or a limit; the next call gets a fresh one


class Sandbox:
    """Runs code for many threads, each in its own persistent worker."""

    def __init__(
        self,
        root: Path,
        *,
        timeout_s: float = 30.0,
        memory_mb: int = 1024,
        disk_mb: int = 1024,
        max_processes: int = 128,
        cpu_s: int = 3600,
        max_log_chars: int = 20_000,
        max_workers: int = 8,
        isolation: Isolation | None = None,
    ) -> None:
        self.root = root.absolute()
        self.max_workers = max_workers  # past this, the least recently used idle worker is stopped
        self.timeout_s = timeout_s
        self.limits = Limits(memory_mb, disk_mb, max_processes, cpu_s)
        self.max_log_chars = max_log_chars
        self.isolation = isolation or Isolation("process", "chosen by the program that embeds the server")
        self._launcher = self._make_launcher(self.isolation)
        self._leftovers = Leftovers(self.root / ".workers")
        self._watchdog = Watchdog(self.limits, self._leftovers, self._breach)
        self._workers: dict[str, Worker] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._breaches: dict[str, str] = {}  # key -> which limit its worker broke, until a call reports it
        self._baselines: dict[str, files.Scan] = {}  # key -> its working dir as the last call left it
        self._reapers: set[asyncio.Task[int]] = set()  # waits for workers killed by a cancelled call

    def _make_launcher(self, isolation: Isolation) -> BubblewrapLauncher | ProcessLauncher:
        if isolation.mode == "process" or isolation.bwrap is None:
            return ProcessLauncher(self.limits)
        hidden = [self.root.parent, Path.home()]  # the server's data dir and the user's home, wherever a bound path shows them
        return BubblewrapLauncher(self.limits, isolation.bwrap, view(self.root / ".system", WORKER, hidden), isolation.host_id)

    def workdir(self, key: str) -> Path:
        """root/<key>, created on demand; a key that isn't a plain id gets a hash suffix."""
        path = self.root / _dir_name(key)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def processes(self, key: str) -> list[int]:
        """Host pids of key's worker and everything it started ([] without a worker)."""
        worker = self._workers.get(key)
        return worker.pids() if worker is not None and worker.proc.returncode is None else []

    def reap_leftovers(self) -> int:
        """Stop workers (and their processes) that a server which died left running; how many were found."""
        return self._leftovers.reap()

    async def execute(self, key: str, code: str, inputs: Mapping[str, Path] | None = None) -> ExecResult:
        """Run code in key's worker after copying `inputs` ({name: source}) into its working dir."""
        async with self._locks.setdefault(key, asyncio.Lock()):
            workdir = self.workdir(key)
            earlier = await self._report_idle_breach(key, workdir)
            owner = getattr(self._launcher, "host_id", None)
            await asyncio.to_thread(files.copy_inputs, workdir, inputs or {}, owner)
            before = await asyncio.to_thread(files.scan, workdir, MAX_ENTRIES)
            self._baselines[key] = before
            if kind := self._watchdog.over_disk(before):
                return ExecResult(earlier + f"{breach_notice(kind, self.limits)}: remove files before running more code.", [], error=True)
            result = await self._run(key, workdir, code)
            if kind := self._breaches.pop(key, None):  # the watchdog stopped the worker during the call, or as it ended
                if not result.crashed:
                    await self._discard(key, self._workers[key])
                    result = ExecResult(self._logs([result.logs], 0, f"{breach_notice(kind, self.limits)}; {_LOST}"), [], crashed=True)
                if kind in ("disk", "entries"):
                    await asyncio.to_thread(files.remove_changed, workdir, before, MAX_ENTRIES)
            after = await asyncio.to_thread(files.scan, workdir, MAX_ENTRIES)
            if (kind := self._watchdog.over_disk(after)) and key in self._workers:
                await self._discard(key, self._workers[key])
                await asyncio.to_thread(files.remove_changed, workdir, before, MAX_ENTRIES)
                after = await asyncio.to_thread(files.scan, workdir, MAX_ENTRIES)
                result = ExecResult(self._logs([result.logs], 0, f"{breach_notice(kind, self.limits)}; {_LOST}"), [], crashed=True)
            self._baselines[key] = after
            made = [path for path in files.changed(before, after) if files.is_output(path, workdir)]
            result.files = await asyncio.to_thread(files.collect, workdir, made, self._outputs(key), self.limits.disk_mb << 20)
            result.logs = earlier + result.logs
            return result

    async def release(self, key: str) -> None:
        """Stop key's worker and all it started (its thread was deleted); its variables are gone."""
        worker = self._workers.get(key)
        if worker is not None:
            await self._discard(key, worker)
        files.clear(self._outputs(key))

    async def close(self) -> None:
        """Kill every worker."""
        await self._watchdog.close()
        for key, worker in list(self._workers.items()):
            await self._discard(key, worker)

    async def _report_idle_breach(self, key: str, workdir: Path) -> str:
        """A limit key's worker broke between calls: finish stopping it, and say so at the top of this call's logs."""
        kind = self._breaches.pop(key, None)
        if kind is None:
            return ""
        if (worker := self._workers.get(key)) is not None:
            await self._discard(key, worker)
        if kind in ("disk", "entries") and key in self._baselines:
            await asyncio.to_thread(files.remove_changed, workdir, self._baselines[key], MAX_ENTRIES)
        return f"[Before this call: {breach_notice(kind, self.limits)}, so {_LOST}]\n"

    async def _breach(self, key: str, kind: str) -> None:
        """The watchdog found key's worker over a limit: kill it now; the call running (or the next one) reports it."""
        worker = self._workers.get(key)
        if worker is not None:
            self._breaches[key] = kind
            worker.kill()

    async def _run(self, key: str, workdir: Path, code: str) -> ExecResult:
        worker = self._workers.pop(key, None)
        if worker is None:
            await self._evict_idle()
            try:
                worker = await self._start(key, workdir)
            except OSError as exc:
                return ExecResult(f"The code interpreter could not start: {exc}", [], crashed=True)
        self._workers[key] = worker  # most recently used last
        assert worker.proc.stdin is not None and worker.proc.stdout is not None
        call, out, room, omitted = protocol.new_call_id(), [], self.max_log_chars, 0
        max_bytes = protocol.max_frame_bytes(self.max_log_chars)
        try:
            async with asyncio.timeout(self.timeout_s):
                await protocol.send_call(worker.proc.stdin, call, code, self.max_log_chars)
                while not isinstance(reply := await protocol.receive(worker.proc.stdout, call, max_bytes), protocol.Done):
                    if reply is not None:  # the output of an honest worker fits; a forged flood is only counted
                        out.append(reply[:room])
                        omitted += len(reply) - len(out[-1])
                        room -= len(out[-1])
        except TimeoutError:
            await self._discard(key, worker)
            notice = f"Execution timed out after {self.timeout_s:g} s; {_LOST}"
            return ExecResult(self._logs(out, omitted, notice), [], timed_out=True)
        except protocol.ProtocolError as exc:
            await self._discard(key, worker)
            notice = f"The code interpreter broke its protocol with the server ({exc}); {_LOST}"
            return ExecResult(self._logs(out, omitted, notice), [], crashed=True)
        except (asyncio.IncompleteReadError, ConnectionError):
            returncode = await self._discard(key, worker)
            kind = self._breaches.get(key)
            if kind is not None:
                notice = f"{breach_notice(kind, self.limits)}; {_LOST}"
            else:
                cause = _describe_exit(returncode, self._launcher.signal_offset, self.limits.cpu_s)
                notice = f"The code interpreter process exited unexpectedly ({cause}); its variables were lost."
            return ExecResult(self._logs(out, omitted, notice), [], crashed=True)
        except asyncio.CancelledError:
            self._workers.pop(key, None)
            self._forget(key)
            worker.kill()  # stop the work now, and reap it in the background
            reaper = asyncio.get_running_loop().create_task(worker.wait())
            self._reapers.add(reaper)
            reaper.add_done_callback(self._reapers.discard)
            raise
        return ExecResult(self._logs(out, omitted + reply.omitted, reply.traceback), [], error=bool(reply.traceback))

    async def _start(self, key: str, workdir: Path) -> Worker:
        worker = await self._launcher.start(workdir)
        name = workdir.name
        await asyncio.to_thread(self._leftovers.record, name, [worker.proc.pid] + ([worker.leader] if worker.leader else []))
        self._watchdog.watch(key, worker, workdir, name, record=worker.leader is None)
        return worker

    async def _evict_idle(self) -> None:
        """Keep at most max_workers - 1 workers before a new one starts: stop the least recently used idle ones."""
        for key in list(self._workers):
            if len(self._workers) < self.max_workers:
                return
            lock = self._locks.get(key)
            if lock is None or not lock.locked():
                await self._discard(key, self._workers[key])

    async def _discard(self, key: str, worker: Worker) -> int:
        """Kill key's worker and everything it started; return the worker's exit code."""
        if self._workers.get(key) is worker:  # close() may have been first
            del self._workers[key]
        self._forget(key)
        worker.kill()
        return await worker.wait()

    def _forget(self, key: str) -> None:
        self._watchdog.unwatch(key)
        self._leftovers.forget(_dir_name(key))

    def _outputs(self, key: str) -> Path:
        return self.root / ".outputs" / _dir_name(key)

    def _logs(self, out: list[str], omitted: int, tail: str) -> str:
        """Output then tail (a traceback or notice, whose end is always kept), within max_log_chars."""
        limit = self.max_log_chars
        tail = tail[max(len(tail) - limit // 2, 0) :]
        text = "".join(out)
        room = max(limit - len(tail), 0)
        omitted += max(len(text) - room, 0)
        text = text[:room]
        if omitted:
            text += f"\n[... output truncated: {omitted} characters omitted]\n"
        if tail and text and not text.endswith("\n"):
            text += "\n"
        # Lone surrogates (from surrogateescape'd bytes) could not be stored or sent as UTF-8.
        return (text + tail).encode("utf-8", "backslashreplace").decode("utf-8")


def _dir_name(key: str) -> str:
    safe = _UNSAFE_KEY.sub("_", key)[:100]
    if safe != key or not key:
        safe += "-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    return safe


def _describe_exit(returncode: int, signal_offset: int, cpu_s: int) -> str:
    """How the worker ended: bwrap reports a signal N as 128 + N, a plain child as -N."""
    number = -returncode if returncode < 0 else returncode - signal_offset if signal_offset and returncode > signal_offset else 0
    try:
        name = signal.Signals(number).name if number > 0 else None
    except ValueError:
        name = None
    if name == "SIGXCPU":
        return f"it used up its CPU time limit of {cpu_s} s"
    return f"killed by signal {name}" if name else f"exit code {returncode}"
