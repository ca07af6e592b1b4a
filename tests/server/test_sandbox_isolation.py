"""Code that tries to break out of the isolated sandbox, run as a user would: the real SDK, the demo engine, a real server.

Each attack gets a clear error inside the code's own logs, the server stays up and answers the next
run, and nothing outside the sandbox changes. Skipped where bubblewrap can't run.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from asst_tui.server import EmbeddedServer, ServerConfig, spawn_server

from .conftest import sync_client
from .sandbox_support import Coder, require_isolation


@pytest.fixture
def server(make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    require_isolation()
    srv = make_server()
    assert srv.sandbox_label.startswith("isolated"), srv.sandbox_label
    return srv


@pytest.fixture
def coder(server: EmbeddedServer) -> Iterator[Coder]:
    with sync_client(server.base_url) as client:
        yield Coder(client)


def test_code_cannot_read_a_file_in_the_users_home(coder: Coder) -> None:
    secret = secrets.token_hex(16)
    with tempfile.NamedTemporaryFile("w", dir=Path.home(), prefix=".asst-sandbox-test-", suffix=".txt") as planted:
        planted.write(secret)
        planted.flush()
        logs = coder.run(
            f"import os\nhome = {str(Path.home())!r}\n"
            f"try:\n    print(open({planted.name!r}).read())\nexcept OSError as exc:\n    print(type(exc).__name__)\n"
            "try:\n    print(sorted(os.listdir(home)))\nexcept OSError as exc:\n    print(type(exc).__name__)\n"
        )
        assert secret not in logs and "FileNotFoundError" in logs
        assert Path(planted.name).name not in logs  # the home dir's entries are not even listed
    assert coder.run("print('still serving')") == "still serving\n"


def test_code_cannot_write_outside_its_working_dir(coder: Coder, server: EmbeddedServer, tmp_path: Path) -> None:
    mark = secrets.token_hex(8)
    data_dir = tmp_path / "server"
    targets = [f"/usr/{mark}", f"/etc/{mark}", f"/{mark}", f"../{mark}", str(data_dir / mark), str(tmp_path / mark), str(Path.home() / mark)]
    code = (
        f"for path in {targets!r}:\n"
        "    try:\n        open(path, 'w').write('x')\n        print('WROTE', path)\n"
        "    except OSError as exc:\n        print(type(exc).__name__)\n"
        f"open('/tmp/{mark}', 'w').write('private tmp')\nprint(open('/tmp/{mark}').read())"
    )
    try:
        logs = coder.run(code)
        escaped = [path for path in [*targets, f"/tmp/{mark}"] if Path(path).exists()]
    finally:  # a sandbox that lets a write through must not leave it on this machine
        for path in [*targets, f"/tmp/{mark}", str(data_dir / "sandbox" / mark)]:
            Path(path).unlink(missing_ok=True)
    assert "WROTE" not in logs and logs.endswith("private tmp\n")
    assert logs.count("Error") == len(targets)  # each refused: read-only file system, no such directory, permission
    assert escaped == []  # /tmp inside is the thread's own, not the host's
    [private] = data_dir.rglob(mark)
    assert private.parent.name == ".tmp" and private.parent.parent.parent == data_dir / "sandbox"  # the thread's own /tmp


def test_code_cannot_reach_the_server_on_loopback(coder: Coder, server: EmbeddedServer) -> None:
    before = len(coder.client.beta.assistants.list(limit=100).data)
    code = (
        "import json, urllib.request\n"
        f"request = urllib.request.Request({server.base_url + '/assistants'!r}, data=json.dumps({{'model': 'x'}}).encode(),\n"
        "    headers={'Content-Type': 'application/json', 'Authorization': 'Bearer sk-test-not-a-secret', 'OpenAI-Beta': 'assistants=v2'})\n"
        "try:\n    print(urllib.request.urlopen(request, timeout=5).status)\n"
        "except OSError as exc:\n    print('refused:', exc)\n"
        "import socket\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\nexcept OSError as exc:\n    print('no network:', exc)\n"
    )
    logs = coder.run(code)
    assert "refused:" in logs and "Connection refused" in logs  # its 127.0.0.1 is its own, with nothing listening
    assert "no network:" in logs and "unreachable" in logs
    assert len(coder.client.beta.assistants.list(limit=100).data) == before


def test_code_cannot_read_another_threads_files(coder: Coder, tmp_path: Path) -> None:
    secret = secrets.token_hex(16)
    first = coder.thread()
    coder.run(f"open('secret.txt', 'w').write({secret!r})\nimport os\nprint(os.getcwd())", first)
    theirs = tmp_path / "server" / "sandbox" / first / "secret.txt"
    assert theirs.read_text() == secret  # the host path the other thread would need
    code = (
        f"import os, glob\n"
        f"for path in [{str(theirs)!r}, '../{first}/secret.txt', '/mnt/{first}/secret.txt']:\n"
        "    try:\n        print(open(path).read())\n    except OSError as exc:\n        print(type(exc).__name__)\n"
        "print(sorted(os.listdir('/mnt')), [p for top in ('/mnt', '/tmp', '/work', '/root', '/home') for p in glob.glob(top + '/**/secret.txt', recursive=True)])"
    )
    logs = coder.run(code)
    assert secret not in logs and logs.count("FileNotFoundError") == 3
    assert "['data'] []" in logs  # only its own directory, and no secret.txt anywhere it can see


def test_code_cannot_read_the_servers_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_isolation()
    secret = "sk-" + secrets.token_hex(16)
    monkeypatch.setenv("OPENAI_API_KEY", secret)  # in the server process's own environment, from its start
    server = spawn_server(ServerConfig(data_dir=tmp_path / "child", port=0, demo_delay_ms=0))
    try:
        assert server.sandbox_label.startswith("isolated")
        assert secret.encode() in Path(f"/proc/{server.pid}/environ").read_bytes()  # there to be stolen
        code = (
            "import os, glob\nfound = [str(dict(os.environ))]\n"
            f"for path in ['/proc/{server.pid}/environ', '/proc/1/environ', '/proc/self/environ', *glob.glob('/proc/*/environ')]:\n"
            "    try:\n        found.append(open(path, 'rb').read().decode(errors='replace'))\n"
            "    except OSError as exc:\n        found.append(type(exc).__name__)\n"
            "print(len(os.listdir('/proc')) < 80, sorted(p for p in os.listdir('/proc') if p.isdigit()))\nprint(found)"
        )
        with sync_client(server.base_url) as client:
            logs = Coder(client).run(code)
        assert secret not in logs and "OPENAI_API_KEY" not in logs
        assert f"'{server.pid}'" not in logs.splitlines()[0]  # its own pid namespace: the server's pid isn't there
    finally:
        server.stop()


def test_forking_500_processes_stops_before_200(coder: Coder) -> None:
    code = (
        "import os, time\ncount = 0\n"
        "try:\n    for _ in range(500):\n        if os.fork() == 0:\n            time.sleep(1)\n            os._exit(0)\n        count += 1\n"
        "except OSError as exc:\n    print('stopped:', exc)\nprint('forked', count)"
    )
    logs = coder.run(code)
    assert "stopped: [Errno 11] Resource temporarily unavailable" in logs
    forked = int(logs.split("forked ")[1])
    assert 50 < forked < 200
    assert coder.run("print('still serving')") == "still serving\n"


def test_allocating_4_gib_fails_and_three_900_mb_children_are_stopped(coder: Coder) -> None:
    thread = coder.thread()
    one = coder.run("x = 41\ntry:\n    big = bytearray(4 << 30)\nexcept MemoryError:\n    print('MemoryError')", thread)
    assert one == "MemoryError\n"
    assert coder.run("print(x + 1)", thread) == "42\n"  # a failed allocation loses nothing
    code = (
        "import subprocess, sys\n"
        "hog = 'import time; block = b\"x\" * (900 << 20); time.sleep(30)'\n"
        "children = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(3)]\n"
        "print([child.wait() for child in children])"
    )
    logs = coder.run(code, thread)
    assert "processes used more than 1024 MB of memory together" in logs and "variables were lost" in logs
    assert coder.run("print('x' in globals())", thread) == "False\n"


def test_filling_the_disk_is_stopped_and_undone(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    require_isolation()
    server = make_server(sandbox_disk_mb=64)
    with sync_client(server.base_url) as client:
        coder = Coder(client)
        thread = coder.thread()
        coder.run("open('keep.txt', 'w').write('kept')", thread)
        workdir = tmp_path / "server" / "sandbox" / thread
        # One file stops at the limit ("File too large"), which with keep.txt is over it: the call says so, the file goes.
        big = coder.run("open('one.bin', 'wb').write(b'x' * (100 << 20))\nprint('wrote 100 MB')", thread)
        assert "files took more than 64 MB of disk; the files this call wrote were removed" in big
        assert "wrote 100 MB" not in big and not (workdir / "one.bin").exists()
        # 8 MB every 50 ms: the limit is passed after ~0.4 s, well before the loop's 2.5 s end, whatever the disk's speed
        # (written at once, all 400 MB could land between two of the watchdog's disk scans, 0.5 s apart: seen in CI).
        code = ("import time\nfor i in range(50):\n    open(f'/tmp/f{i}.bin' if i % 2 else f'f{i}.bin', 'wb').write(b'x' * (8 << 20))\n"
                "    time.sleep(0.05)\nprint('wrote 400 MB')")
        logs = coder.run(code, thread)
        assert "files took more than 64 MB of disk; the files this call wrote were removed" in logs
        assert "wrote 400 MB" not in logs
        assert sorted(p.name for p in workdir.rglob("*") if p.is_file()) == ["keep.txt"]
        assert coder.run("print(open('keep.txt').read())", thread) == "kept\n"


def test_numeric_libraries_work_in_the_sandbox(coder: Coder) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    code = (
        "import numpy as np, pandas as pd, matplotlib.pyplot as plt\n"
        "frame = pd.DataFrame({'x': np.arange(4), 'y': np.arange(4) ** 2})\n"
        "frame.plot(x='x', y='y')\nplt.savefig('plot.png')\nprint(int(frame.y.sum()))"
    )
    assert coder.run(code) == "14\n"


def test_the_sandbox_runs_as_an_unprivileged_user_without_capabilities(coder: Coder) -> None:
    logs = coder.run(
        "import os\nprint(os.getuid(), os.getgid(), os.getgroups())\n"
        "print([line.split()[1] for line in open('/proc/self/status') if line.startswith(('CapEff', 'CapPrm'))])\n"
        "try:\n    os.setuid(0)\nexcept PermissionError:\n    print('no way back to root')\n"
        "print(open('/proc/self/uid_map').read().split())"
    )
    lines = logs.splitlines()
    assert lines[0] == "1000 1000 []"
    assert lines[1] == "['0000000000000000', '0000000000000000']" and lines[2] == "no way back to root"
    host_uid = int(lines[3].strip("[]").split(", ")[-2].strip("'"))  # the host uid its uid 1000 is
    assert host_uid == (os.getuid() if os.getuid() != 0 else 2_000_000_000)
