"""Which project a request's key opens: the single server key, and the keys file's keys (re-read when the file changes).

Keys are never kept or compared in clear but for the single `--api-key`, which lives only in memory: an
offered key is hashed once and its digest compared, in constant time, with every known digest (no early
exit, so the time taken says nothing about which digest, if any, matched).
"""

from __future__ import annotations

import hmac
import logging
import os
from pathlib import Path

from ..core.keys_file import KeyEntry, KeysFileError, digest, parse_keys, read_keys
from ..core.projects import DEFAULT_PROJECT

log = logging.getLogger("asst_tui.server")


class KeysUnavailable(Exception):
    """The keys file changed into something that isn't a keys file: no key is accepted until it is fixed."""


class ServerKeys:
    """The keys a server accepts and the project each opens; with none configured, every request is the default project's."""

    def __init__(self, api_key: str | None, keys_file: Path | None) -> None:
        self._single = digest(api_key) if api_key else None
        self._path = keys_file
        self._entries: list[KeyEntry] = read_keys(keys_file) if keys_file is not None else []  # at start, a bad file stops the server
        self._signature = _signature(keys_file) if keys_file is not None else None
        self._broken = False

    @property
    def required(self) -> bool:
        return self._single is not None or self._path is not None

    def project_for(self, offered: str) -> str | None:
        """The project the offered key opens, or None for no key or a wrong one; KeysUnavailable if the keys file is broken."""
        if not self.required:
            return DEFAULT_PROJECT
        entries = self._current_entries()
        if not offered:
            return None
        offered_digest = digest(offered)
        found = None
        for entry in entries:
            if hmac.compare_digest(offered_digest, entry.sha256) and found is None:
                found = entry.project
        if self._single is not None and hmac.compare_digest(offered_digest, self._single) and found is None:
            found = DEFAULT_PROJECT
        return found

    def _current_entries(self) -> list[KeyEntry]:
        """The keys file's entries as it is now: re-read when its inode, size or times changed since the last read."""
        if self._path is None:
            return []
        signature = _signature(self._path)
        if signature != self._signature:
            self._reload(signature)
        if self._broken:
            raise KeysUnavailable()
        return self._entries

    def _reload(self, seen: tuple[int, ...] | None) -> None:
        assert self._path is not None
        try:
            with open(self._path, "rb") as file:
                signature = _file_signature(os.fstat(file.fileno()))
                data = file.read()
        except FileNotFoundError:
            log.warning("The keys file %s is gone: no key of it is accepted until it is back.", self._path)
            self._entries, self._signature, self._broken = [], None, False
            return
        except OSError as exc:
            log.error("Can't read the keys file %s (%s): no key is accepted until it can be read.", self._path, exc.strerror or exc)
            self._entries, self._signature, self._broken = [], seen, True
            return
        try:
            self._entries = parse_keys(data, self._path)
            self._broken = False
        except KeysFileError as exc:  # its message names the file and the problem, never a key
            log.error("%s No key is accepted until the file is fixed.", exc)
            self._entries, self._broken = [], True
        self._signature = signature


def _signature(path: Path) -> tuple[int, ...] | None:
    try:
        return _file_signature(os.stat(path))
    except OSError:
        return None


def _file_signature(st: os.stat_result) -> tuple[int, ...]:
    """What changes when the file is replaced (a new inode) or rewritten in place (size, times)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
