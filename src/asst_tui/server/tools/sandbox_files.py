"""The server's hands in a worker's working directory, which hostile code controls: nothing here follows a link.

Code may swap any file or directory it made for a symlink (to the database, to /etc/shadow) at any
moment, so inputs are written through a fresh temp file and a rename, outputs are read through
directory descriptors opened without following links, and the directory bound as the sandbox's
/tmp is checked to be a real directory.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

PRIVATE_TMP = ".tmp"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_COPY_CHUNK = 1 << 20


@dataclass
class Scan:
    """What a working directory holds: {path: (mtime_ns, size)} of every regular file, and its disk use."""

    files: dict[Path, tuple[int, int]] = field(default_factory=dict)
    dirs: set[Path] = field(default_factory=set)
    bytes_used: int = 0
    entries: int = 0


def safe_name(name: str) -> str:
    """A plain file name from an untrusted one: no directories, no leading dots, no control characters."""
    base = PurePosixPath(name.replace("\\", "/")).name.lstrip(".")
    return _UNSAFE_NAME.sub("_", base) or "file"


def is_output(path: Path, root: Path) -> bool:
    """Files the code made that count as its outputs: not hidden, not in a hidden directory or __pycache__."""
    return not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(root).parts)


def scan(root: Path, max_entries: int) -> Scan:
    """Every entry under root (hidden ones too), without following links; stops counting past max_entries."""
    found = Scan()
    pending = [root]
    while pending and found.entries <= max_entries:
        directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:  # removed meanwhile by the code
            continue
        for entry in entries:
            found.entries += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found.bytes_used += info.st_blocks * 512
            if stat.S_ISDIR(info.st_mode):
                found.dirs.add(Path(entry.path))
                pending.append(Path(entry.path))
            elif stat.S_ISREG(info.st_mode):
                found.files[Path(entry.path)] = (info.st_mtime_ns, info.st_size)
    return found


def changed(before: Scan, after: Scan) -> list[Path]:
    """Files created or modified between two scans, sorted."""
    return sorted(path for path, sig in after.files.items() if before.files.get(path) != sig)


def remove_changed(root: Path, before: Scan, max_entries: int) -> None:
    """Delete what was made or changed since `before` (and the private /tmp's contents): the code overflowed its disk."""
    now = scan(root, max_entries)
    tmp = root / PRIVATE_TMP
    for path in changed(before, now) + [path for path in now.files if tmp in path.parents]:
        with contextlib.suppress(OSError):
            path.unlink()
    for directory in sorted(now.dirs - before.dirs - {tmp}, key=lambda path: -len(path.parts)):  # deepest first
        with contextlib.suppress(OSError):
            os.rmdir(directory)  # only if now empty


def private_dir(root: Path, owner: int | None) -> Path:
    """root/.tmp as a real directory, whatever the code left there (a link to bind as /tmp would be a way out)."""
    path = root / PRIVATE_TMP
    if not stat.S_ISDIR(_lstat_mode(path)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        path.mkdir(mode=0o700)
    if owner is not None:
        os.chown(path, owner, owner, follow_symlinks=False)
    return path


def open_dir(path: Path) -> int:
    """An O_PATH descriptor of the directory at path, never of what a link there points at (for bwrap's --bind-fd)."""
    return os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)


def hand_over(root: Path, owner: int) -> None:
    """Make root and everything in it belong to `owner` (the sandbox's own uid on the host): only while no worker runs."""
    os.chown(root, owner, owner)
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            if os.lstat(path).st_uid != owner:
                os.chown(path, owner, owner, follow_symlinks=False)


def copy_inputs(root: Path, files: Mapping[str, Path], owner: int | None) -> None:
    """Put each {name: source} file in root under its safe name, unless the same file is already there."""
    for name, source in files.items():
        target = root / safe_name(name)
        info = source.stat()
        with contextlib.suppress(FileNotFoundError):
            there = target.lstat()
            if stat.S_ISREG(there.st_mode) and (there.st_size, there.st_mtime_ns) == (info.st_size, info.st_mtime_ns):
                continue
        fd, temp = tempfile.mkstemp(dir=root, prefix=".in-")
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, _COPY_CHUNK)
                if owner is not None:
                    os.fchown(out.fileno(), owner, owner)
            shutil.copystat(source, temp)
            if stat.S_ISDIR(_lstat_mode(target)):
                shutil.rmtree(target)
            os.replace(temp, target)  # replaces a link the code put there, never what it points at
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


def collect(root: Path, paths: list[Path], into: Path, max_bytes: int) -> list[Path]:
    """Copy the outputs `paths` (under root) into `into`, keeping their relative paths; a link or a special file is skipped."""
    shutil.rmtree(into, ignore_errors=True)
    copied = []
    for path in paths:
        relative = path.relative_to(root)
        target = into / relative
        if _copy_out(root, relative.parts, target, max_bytes):
            copied.append(target)
    return copied


def clear(into: Path) -> None:
    shutil.rmtree(into, ignore_errors=True)


def _copy_out(root: Path, parts: tuple[str, ...], target: Path, max_bytes: int) -> bool:
    try:
        directory = os.open(root, _DIR_FLAGS)
    except OSError:
        return False
    try:
        for part in parts[:-1]:
            inner = os.open(part, _DIR_FLAGS, dir_fd=directory)
            os.close(directory)
            directory = inner
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
    except OSError:  # a link, or gone
        return False
    finally:
        os.close(directory)
    with open(fd, "rb") as src:
        info = os.fstat(src.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            left = max_bytes  # the code may still be appending to it
            while left > 0 and (chunk := src.read(min(_COPY_CHUNK, left))):
                out.write(chunk)
                left -= len(chunk)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    return True


def _lstat_mode(path: Path) -> int:
    try:
        return path.lstat().st_mode
    except FileNotFoundError:
        return 0
