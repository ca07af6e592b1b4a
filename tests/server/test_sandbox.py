"""The code-interpreter sandbox, with real worker processes in real temporary directories, in both modes.

Every test runs with `isolated` (a bubblewrap sandbox; skipped where bubblewrap can't run) and with
`process` (a plain child process). What only the isolated sandbox promises is in test_sandbox_isolation.py.
"""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from asst_tui.server.tools.sandbox import Sandbox

from .sandbox_support import make_sandbox

KEY = "thread_abc123"


@pytest.fixture
async def sandbox(tmp_path: Path, sandbox_mode: str) -> AsyncIterator[Sandbox]:
    box = make_sandbox(tmp_path / "sandbox", sandbox_mode, timeout_s=10)
    yield box
    await box.close()


async def _pids(box: Sandbox, key: str = KEY) -> list[int]:
    """The host pids of key's worker (started if need be) and what it started."""
    await box.execute(key, "pass")
    return box.processes(key)


def _gone(pids: list[int] | int, within_s: float = 5.0) -> bool:
    """Whether every pid has exited (a zombie counts: it runs nothing), waiting up to within_s."""
    deadline = time.monotonic() + within_s
    left = [pids] if isinstance(pids, int) else list(pids)
    while left:
        left = [pid for pid in left if _alive(pid)]
        if left and time.monotonic() > deadline:
            return False
        time.sleep(0.05 if left else 0)
    return True


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _png() -> bytes:
    """A valid 1×1 black PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0\0")  # one scanline: filter byte, one grey pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


async def test_print_goes_to_logs(sandbox: Sandbox) -> None:
    result = await sandbox.execute(KEY, "print('hello')\nimport sys; print('oops', file=sys.stderr)")
    assert result.logs == "hello\noops\n"
    assert not (result.error or result.timed_out or result.crashed)
    assert result.files == []


async def test_variables_survive_between_calls_and_last_expression_is_shown(sandbox: Sandbox) -> None:
    await sandbox.execute(KEY, "x = 41\ndef inc(n):\n    return n + 1")
    assert (await sandbox.execute(KEY, "inc(x)")).logs == "42\n"
    assert (await sandbox.execute(KEY, "y = inc(x)")).logs == ""
    assert (await sandbox.execute(KEY, "None")).logs == ""


async def test_keys_are_isolated(sandbox: Sandbox) -> None:
    await sandbox.execute("thread_a", "secret = 1")
    other = await sandbox.execute("thread_b", "secret")
    assert other.error and "NameError" in other.logs
    assert not set(await _pids(sandbox, "thread_a")) & set(await _pids(sandbox, "thread_b"))
    assert sandbox.workdir("thread_a") != sandbox.workdir("thread_b")


async def test_exception_reports_a_traceback_of_the_cell(sandbox: Sandbox) -> None:
    await sandbox.execute(KEY, "def boom():\n    raise ValueError('bad value')")
    result = await sandbox.execute(KEY, "print('before')\nboom()")
    assert result.error and not result.crashed
    assert result.logs.startswith("before\nTraceback (most recent call last):\n")
    assert "raise ValueError('bad value')" in result.logs  # source lines of earlier cells are shown
    assert result.logs.endswith("ValueError: bad value\n")
    assert "sandbox_worker" not in result.logs
    syntax = await sandbox.execute(KEY, "x = (")
    assert syntax.error and "SyntaxError" in syntax.logs
    assert (await sandbox.execute(KEY, "raise SystemExit(2)")).error
    assert (await sandbox.execute(KEY, "print('still here')")).logs == "still here\n"


async def test_timeout_kills_worker_and_its_children(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, timeout_s=2)
    try:
        await box.execute(KEY, "x = 1")
        idle = len(box.processes(KEY))
        code = "import subprocess\nchild = subprocess.Popen(['sleep', '60'])\nprint('started')\nwhile 1: pass"
        task = asyncio.create_task(box.execute(KEY, code))
        while len(box.processes(KEY)) <= idle:  # until the sleep runs
            await asyncio.sleep(0.05)
        pids = box.processes(KEY)
        result = await task
        assert result.timed_out and not result.crashed
        assert result.logs.startswith("started\n")  # the output before the limit is kept
        assert "timed out after 2 s" in result.logs and "variables were lost" in result.logs
        assert _gone(pids)
        after = await box.execute(KEY, "x")
        assert after.error and "NameError" in after.logs
        assert (await box.execute(KEY, "1 + 1")).logs == "2\n"
    finally:
        await box.close()


async def test_crash_is_reported_and_next_call_gets_a_fresh_worker(sandbox: Sandbox) -> None:
    await sandbox.execute(KEY, "x = 1")
    result = await sandbox.execute(KEY, "print('bye')\nimport os; os._exit(3)")
    assert result.crashed and not result.error
    assert result.logs == (
        "bye\nThe code interpreter process exited unexpectedly (exit code 3); its variables were lost."
    )
    assert (await sandbox.execute(KEY, "'x' in globals()")).logs == "False\n"
    segfault = await sandbox.execute(KEY, "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert segfault.crashed and "SIGSEGV" in segfault.logs


async def test_no_secret_reaches_user_code(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "OPENAI_API_KEY": "sk-secret-1",
        "MY_TOKEN": "tok-secret-2",
        "DB_PASSWORD": "pw-secret-3",
        "AZURE_OPENAI_ENDPOINT": "https://secret-4.example",
        "ASST_API_KEY_FILE": "secret-5",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    code = (
        "import os, subprocess\n"
        "print(dict(os.environ))\n"
        "print(subprocess.run(['env'], capture_output=True, text=True).stdout)"
    )
    result = await sandbox.execute(KEY, code)
    assert not result.error
    for name, value in secrets.items():
        assert name not in result.logs
        assert value not in result.logs
    assert "MPLBACKEND" in result.logs


async def test_memory_is_capped(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, memory_mb=256)
    try:
        result = await box.execute(KEY, "x = 1\nbig = bytearray(512 * 1024 * 1024)")
        assert result.error and "MemoryError" in result.logs
        assert (await box.execute(KEY, "x")).logs == "1\n"
    finally:
        await box.close()


async def test_logs_are_truncated_but_keep_the_traceback(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, max_log_chars=1000)
    try:
        result = await box.execute(KEY, "print('x' * 5000)")
        assert result.logs == "x" * 1000 + "\n[... output truncated: 4001 characters omitted]\n"
        failing = await box.execute(KEY, "for i in range(200_000): print(i)\n1 / 0")
        assert failing.error
        assert failing.logs.startswith("0\n1\n2\n")
        assert "characters omitted]" in failing.logs
        assert failing.logs.endswith("ZeroDivisionError: division by zero\n")
        assert len(failing.logs) < 1100
        huge = await box.execute(KEY, "raise ValueError('y' * 1_000_000)")  # a traceback far over the limit
        assert huge.error and not huge.crashed and huge.logs.endswith("y" * 400 + "\n") and len(huge.logs) <= 1000
    finally:
        await box.close()


async def test_protocol_survives_hostile_output_and_stdin(sandbox: Sandbox) -> None:
    code = (
        "import os, sys\n"
        "sys.stdout.buffer.write(bytes([0, 255, 4, 0, 0, 0]))\n"
        "os.write(1, b'\\x00\\x00\\x00\\x05junk')\n"
        "os.system('echo from a child')\n"
        "sys.stdout = open(os.devnull, 'w')\n"
        "print('hidden')\n"
        "try:\n"
        "    input()\n"
        "except EOFError:\n"
        "    print('no stdin', file=sys.stderr)\n"
        "print('\\udcff', file=sys.stderr)"
    )
    result = await sandbox.execute(KEY, code)
    assert not (result.error or result.crashed), result.logs
    assert result.logs.endswith("no stdin\n\\udcff\n")
    assert result.logs.encode("utf-8")  # lone surrogates were made storable
    assert (await sandbox.execute(KEY, "print('fine')")).logs == "fine\n"


async def test_written_files_are_reported(sandbox: Sandbox) -> None:
    png = _png()
    workdir = sandbox.workdir(KEY)
    code = (
        f"open('plot.png', 'wb').write({png!r})\n"
        "import os\nos.makedirs('out', exist_ok=True)\n"
        "open('out/a.txt', 'w').write('a')\nopen('.hidden', 'w').write('h')"
    )
    result = await sandbox.execute(KEY, code)
    assert [path.relative_to(result.files[0].parents[1]) for path in result.files] == [Path("out/a.txt"), Path("plot.png")]
    assert all(path.is_absolute() and workdir not in path.parents for path in result.files)  # copies the code can't touch
    assert result.files[1].read_bytes() == (workdir / "plot.png").read_bytes() == png
    assert (await sandbox.execute(KEY, "print(1)")).files == []
    modified = await sandbox.execute(KEY, "open('out/a.txt', 'a').write('more')")
    assert [path.name for path in modified.files] == ["a.txt"] and modified.files[0].read_text() == "amore"


async def test_input_files_are_copied_in_by_name(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "file-abc123.bin"
    source.write_text("a,b\n1,2\n")
    result = await sandbox.execute(KEY, "print(open('data.csv').read(), end='')", {"data.csv": source})
    assert result.logs == "a,b\n1,2\n"
    assert result.files == []  # inputs are not outputs
    source.write_text("a,b\n3,4\n")
    again = await sandbox.execute(KEY, "print(open('data.csv').read(), end='')", {"data.csv": source})
    assert again.logs == "a,b\n3,4\n"


async def test_input_file_names_cannot_escape_the_workdir(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "payload"
    source.write_text("p")
    names = {"../../evil.txt": source, "/etc/evil2.txt": source, "..\\evil3.txt": source, "..": source}
    await sandbox.execute(KEY, "pass", names)
    workdir = sandbox.workdir(KEY)
    assert sorted(p.name for p in workdir.iterdir() if not p.name.startswith(".")) == [
        "evil.txt",
        "evil2.txt",
        "evil3.txt",
        "file",
    ]
    assert not (tmp_path / "evil.txt").exists() and not (sandbox.root / "evil.txt").exists()


async def test_workdir_names_are_safe_and_distinct(sandbox: Sandbox) -> None:
    assert sandbox.workdir(KEY) == sandbox.root / KEY
    odd = [sandbox.workdir(key) for key in ("../x", ".._x", "a/b", "")]
    assert len(set(odd)) == 4
    assert all(path.parent == sandbox.root and path.is_dir() for path in odd)


async def test_cancellation_kills_the_worker(sandbox: Sandbox) -> None:
    await sandbox.execute(KEY, "x = 1")
    pid = await _pids(sandbox)
    task = asyncio.create_task(sandbox.execute(KEY, "while True: pass"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _gone(pid)
    assert (await sandbox.execute(KEY, "'x' in globals()")).logs == "False\n"


async def test_calls_for_one_key_are_serialized(sandbox: Sandbox) -> None:
    await sandbox.execute(KEY, "import time\nlog = []")
    step = "log.append('start'); time.sleep(0.2); log.append('end')"
    await asyncio.gather(sandbox.execute(KEY, step), sandbox.execute(KEY, step))
    assert (await sandbox.execute(KEY, "log")).logs == "['start', 'end', 'start', 'end']\n"


async def test_close_kills_every_worker(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode)
    pids = await _pids(box, "thread_a") + await _pids(box, "thread_b")
    await box.close()
    assert _gone(pids)


async def test_worker_count_is_capped_least_recently_used_first(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, max_workers=2)
    try:
        first, second = await _pids(box, "thread_a"), await _pids(box, "thread_b")
        await box.execute("thread_a", "x = 1")  # thread_a is now the most recently used
        third = await _pids(box, "thread_c")
        assert _gone(second) and not _gone(first, within_s=0.2) and not _gone(third, within_s=0.2)
        assert (await box.execute("thread_a", "x")).logs.strip() == "1"
    finally:
        await box.close()


async def test_release_stops_one_threads_worker(sandbox: Sandbox) -> None:
    pids = await _pids(sandbox, "thread_a")
    other = await _pids(sandbox, "thread_b")
    await sandbox.release("thread_a")
    assert _gone(pids) and not _gone(other, within_s=0.2)
