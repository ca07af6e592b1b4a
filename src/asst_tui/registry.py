"""The local registry of the assistants and threads the user has used, per profile identity.

The Assistants API cannot list threads, so the client remembers them in registry.toml. Every change
is applied under a file lock to what is on disk at that moment, so instances running side by side
never lose each other's entries. A file this instance read or wrote last (same inode, size and mtime)
is not parsed again: with 10,000 threads that parse is most of a change's cost.

The file is TOML in a fixed shape: one `[[profiles]]` table per identity, whose `assistants` and
`threads` are arrays of rows. Every value is a string, integer or boolean, written with escapes that
TOML and JSON share, so a file as written here is read back with the C JSON decoder (tomllib is far
too slow for 10,000 threads); anything else, a hand-edited file say, is read with tomllib.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from asst_tui import paths
from asst_tui.atomic import write_text_atomic

TITLE_MAX = 60


def _now() -> int:
    return int(time.time())


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    """A thread used with one profile; times are Unix seconds."""

    id: str
    title: str = ""
    assistant_id: str | None = None
    created_at: int = field(default_factory=_now)
    last_active: int = field(default_factory=_now)
    archived: bool = False
    stale: bool = False  # the server answered 404 for it


@dataclass(frozen=True, slots=True)
class AssistantEntry:
    """An assistant used with one profile; times are Unix seconds."""

    id: str
    name: str = ""
    created_at: int = field(default_factory=_now)
    last_active: int = field(default_factory=_now)


@dataclass
class _Book:
    """What the registry knows about one profile identity."""

    threads: dict[str, ThreadEntry] = field(default_factory=dict)
    assistants: dict[str, AssistantEntry] = field(default_factory=dict)


def title_from_message(text: str) -> str:
    """A thread title from a message: its first line with words (not a code fence), collapsed and cut."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    line = next((line for line in lines if line.strip("`~ ") and not line.startswith(("```", "~~~"))), "")
    line = line or next((line for line in lines if line), "")
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1].rstrip() + "…"


class Registry:
    """Reads come from the state last loaded; every change is written to disk at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.registry_file()
        self.problem: str | None = None  # set when a corrupt file had to be put aside
        self._books: dict[str, _Book] = {}
        self._seen: tuple[int, int, int] | None = None  # the file as this instance last read or wrote it

    def load(self) -> None:
        with self._locked():
            self._books = self._read()

    # -- threads

    def threads(self, identity: str, include_archived: bool = False) -> list[ThreadEntry]:
        """The profile's threads, most recently active first."""
        entries = self._book(identity).threads.values()
        return sorted(
            (entry for entry in entries if include_archived or not entry.archived),
            key=lambda entry: (entry.last_active, entry.created_at),
            reverse=True,
        )

    def get_thread(self, identity: str, thread_id: str) -> ThreadEntry | None:
        return self._book(identity).threads.get(thread_id)

    def record_thread(self, identity: str, entry: ThreadEntry) -> None:
        self._mutate(identity, lambda book: book.threads.update({entry.id: entry}))

    def adopt_thread(self, identity: str, thread_id: str, title: str = "") -> None:
        """Remember a thread opened by its ID; one already known is only touched (and titled if given)."""
        self._mutate(identity, lambda book: book.threads.update({thread_id: _adopted(book, thread_id, title)}))

    def touch_thread(self, identity: str, thread_id: str, at: int | None = None) -> None:
        self._update_thread(identity, thread_id, last_active=_now() if at is None else at)

    def rename_thread(self, identity: str, thread_id: str, title: str) -> None:
        self._update_thread(identity, thread_id, title=title)

    def set_title_if_empty(self, identity: str, thread_id: str, first_user_message: str) -> None:
        title = title_from_message(first_user_message)
        self._update_thread(identity, thread_id, lambda entry: not entry.title, title=title)

    def archive(self, identity: str, thread_id: str) -> None:
        self._update_thread(identity, thread_id, archived=True)

    def unarchive(self, identity: str, thread_id: str) -> None:
        self._update_thread(identity, thread_id, archived=False)

    def mark_stale(self, identity: str, thread_id: str, stale: bool = True) -> None:
        """Flag a thread the server no longer knows; it is kept, never dropped, until removed."""
        self._update_thread(identity, thread_id, stale=stale)

    def remove_thread(self, identity: str, thread_id: str) -> None:
        self._mutate(identity, lambda book: book.threads.pop(thread_id, None))

    # -- assistants

    def assistants(self, identity: str) -> list[AssistantEntry]:
        """The profile's assistants, most recently used first."""
        entries = self._book(identity).assistants.values()
        return sorted(entries, key=lambda entry: (entry.last_active, entry.created_at), reverse=True)

    def record_assistant(self, identity: str, entry: AssistantEntry) -> None:
        self._mutate(identity, lambda book: book.assistants.update({entry.id: entry}))

    def remove_assistant(self, identity: str, assistant_id: str) -> None:
        self._mutate(identity, lambda book: book.assistants.pop(assistant_id, None))

    # -- storage

    def _book(self, identity: str) -> _Book:
        return self._books.get(identity) or _Book()

    def _update_thread(
        self, identity: str, thread_id: str, when: Callable[[ThreadEntry], bool] | None = None, **changes: Any
    ) -> None:
        """Change fields of a known thread (if `when` agrees); an unknown ID is left alone."""

        def change(book: _Book) -> None:
            entry = book.threads.get(thread_id)
            if entry and (when is None or when(entry)):
                book.threads[thread_id] = replace(entry, **changes)

        self._mutate(identity, change)

    def _mutate(self, identity: str, change: Callable[[_Book], object]) -> None:
        """Lock, re-read the file, apply `change` to the identity's book, write, unlock."""
        with self._locked():
            self._books = self._read()
            try:
                change(self._books.setdefault(identity, _Book()))
                write_text_atomic(self.path, _dumps(self._books), mode=0o600)
            except BaseException:
                self._seen = None  # memory may now differ from the file: read it next time
                raise
            self._seen = _signature(os.stat(self.path))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _read(self) -> dict[str, _Book]:
        """The file's contents; a corrupt file is put aside (and `problem` set) and an empty registry used."""
        try:
            with open(self.path, "rb") as file:
                seen = _signature(os.fstat(file.fileno()))
                if seen == self._seen:
                    return self._books
                books = _loads(file.read().decode("utf-8"))
        except FileNotFoundError:
            self._seen = None
            return {}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # ValueError covers TOML and UTF-8 errors
            aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, aside)
            self._seen = None
            self.problem = (
                f"The registry {self.path} was unreadable ({type(exc).__name__}: {exc}). "
                f"It was kept as {aside.name} and a new, empty registry was started."
            )
            return {}
        self._seen = seen
        return books


def _signature(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _adopted(book: _Book, thread_id: str, title: str) -> ThreadEntry:
    entry = book.threads.get(thread_id) or ThreadEntry(thread_id)
    return replace(entry, title=title or entry.title, last_active=_now())


# -- file format

_HEADER = """\
# asst-tui registry of assistants and threads, one [[profiles]] table per profile identity.
# assistants rows: [id, name, created_at, last_active]
# threads rows: [id, title, assistant_id ("" = none), created_at, last_active, archived, stale]
"""
_SURROGATE = re.compile("[\ud800-\udfff]")
_TOKEN = re.compile(r"[ \t]*(?:#[^\n]*)?\n|\[\[profiles\]\]\n|([A-Za-z0-9_-]+) = ")
_EOL = re.compile(r"[ \t]*\n")
_decode = json.JSONDecoder().raw_decode
_ASSISTANT_TYPES = (str, str, int, int)
_THREAD_TYPES = (str, str, str, int, int, bool, bool)


def _dumps(books: dict[str, _Book]) -> str:
    parts = [_HEADER]
    for identity, book in books.items():
        if not book.threads and not book.assistants:
            continue
        assistants = [
            f"[{_str(a.id)}, {_str(a.name)}, {int(a.created_at)}, {int(a.last_active)}]"
            for a in book.assistants.values()
        ]
        threads = [
            f"[{_str(t.id)}, {_str(t.title)}, {_str(t.assistant_id or '')}, {int(t.created_at)}, "
            f"{int(t.last_active)}, {_bool(t.archived)}, {_bool(t.stale)}]"
            for t in book.threads.values()
        ]
        parts += [f"\n[[profiles]]\nidentity = {_str(identity)}\n", _array("assistants", assistants)]
        parts.append(_array("threads", threads))
    # Lone surrogates (possible in a Python str) exist neither in UTF-8 nor in TOML.
    return _SURROGATE.sub("\ufffd", "".join(parts))


def _str(text: str) -> str:
    """A string literal valid in both TOML and JSON."""
    return encode_basestring(text).replace("\x7f", "\\u007f")  # JSON leaves DEL as is, TOML must escape it


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _array(key: str, rows: list[str]) -> str:
    return (f"{key} = [\n  " + ",\n  ".join(rows) + "\n]\n") if rows else f"{key} = []\n"


def _loads(text: str) -> dict[str, _Book]:
    try:
        data = _loads_as_written(text)
    except ValueError:
        data = tomllib.loads(text)
    books: dict[str, _Book] = {}
    for table in data.get("profiles", []):
        book = books.setdefault(_checked([table["identity"]], (str,))[0], _Book())
        for row in table.get("assistants", []):
            entry = AssistantEntry(*_checked(row, _ASSISTANT_TYPES))
            book.assistants[entry.id] = entry
        for row in table.get("threads", []):
            t_id, title, assistant_id, *rest = _checked(row, _THREAD_TYPES)
            book.threads[t_id] = ThreadEntry(t_id, title, assistant_id or None, *rest)
    return books


def _checked(row: list[Any], types: tuple[type, ...]) -> list[Any]:
    if tuple(map(type, row)) != types:
        raise ValueError(f"malformed entry {row!r}")
    return row


def _loads_as_written(text: str) -> dict[str, Any]:
    """Parse the subset of TOML that _dumps writes (values in JSON syntax); ValueError on anything else."""
    root: dict[str, Any] = {}
    table = root
    pos = 0
    while pos < len(text):
        token = _TOKEN.match(text, pos)
        if not token:
            raise ValueError(f"unexpected text at offset {pos}")
        pos = token.end()
        if token[0] == "[[profiles]]\n":
            table = {}
            root.setdefault("profiles", []).append(table)
        elif key := token[1]:
            if key in table:
                raise ValueError(f"duplicate key {key!r}")
            table[key], pos = _decode(text, pos)
            eol = _EOL.match(text, pos)
            if not eol:
                raise ValueError(f"unexpected text at offset {pos}")
            pos = eol.end()
    return root
