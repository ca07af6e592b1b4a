"""The server keys file (`--keys-file keys.toml`): which key opens which project, with only each key's digest stored.

    version = 1

    [[keys]]
    id = "key_5f0c9a1e"          # public: what `asst-tui keys list` shows and `keys revoke` takes
    project = "team-a"
    sha256 = "9c1185a5c5e9fc54612808977ee8f548b2258d31..."   # SHA-256 of the key's UTF-8 bytes, hex
    created_at = 2026-09-01T12:00:00Z
    note = "CI runner"           # optional

Keys are made by `new_key` (256 random bits), never chosen by a person, so a fast hash is enough: finding
a key from its digest means searching 2**256 keys, and a slow password hash (scrypt, argon2) would only
multiply a hopeless search by a constant while costing every request milliseconds. No salt for the same
reason: salts defeat precomputed tables of likely passwords, and no table covers random 256-bit keys.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import tomli_w

from ...atomic import write_text_atomic
from .projects import check_project_name

VERSION = 1
KEY_PREFIX = "asst_"
FILE_MODE = 0o600
_DIGEST = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"key_[0-9a-f]{8}")
_FIELDS = {"id", "project", "sha256", "created_at", "note"}
_HEADER = (
    "# asst-tui server keys: each [[keys]] entry lets one key use one project's objects.\n"
    "# Only a SHA-256 digest of each key is stored. Change this file with `asst-tui keys create|revoke|list`.\n"
)


class KeysFileError(ValueError):
    """The keys file can't be read, or isn't a keys file; the message says which file and what is wrong."""


@dataclass(frozen=True)
class KeyEntry:
    id: str
    project: str
    sha256: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    note: str = ""


def new_key() -> str:
    """A fresh server key: 'asst_' and 43 URL-safe characters (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_key_id(taken: set[str]) -> str:
    while (key_id := f"key_{secrets.token_hex(4)}") in taken:
        pass
    return key_id


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_keys(data: bytes, source: Path) -> list[KeyEntry]:
    """The entries of a keys file's bytes; KeysFileError names `source` and says what is wrong (never a key or a digest)."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KeysFileError(f"The keys file {source} is not valid TOML ({exc}).") from None
    version = doc.get("version", VERSION)
    if version != VERSION:
        raise KeysFileError(f"The keys file {source} has version {version!r}; this asst-tui reads version {VERSION}. Upgrade asst-tui.")
    unknown = sorted(set(doc) - {"version", "keys"})
    if unknown:
        raise KeysFileError(f"The keys file {source} has unknown top-level fields: {', '.join(unknown)}.")
    raw = doc.get("keys", [])
    if not isinstance(raw, list):
        raise KeysFileError(f"The keys file {source}: 'keys' must be an array of tables ([[keys]]).")
    entries = [_entry(item, i, source) for i, item in enumerate(raw)]
    ids = [entry.id for entry in entries]
    if len(set(ids)) != len(ids):
        raise KeysFileError(f"The keys file {source} names a key id twice.")
    return entries


def _entry(item: object, index: int, source: Path) -> KeyEntry:
    where = f"The keys file {source}, key {index + 1}"
    if not isinstance(item, dict):
        raise KeysFileError(f"{where}: expected a table.")
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise KeysFileError(f"{where}: unknown fields {', '.join(unknown)}.")
    key_id, project, sha256 = item.get("id"), item.get("project"), item.get("sha256")
    if not isinstance(key_id, str) or not _ID.fullmatch(key_id):
        raise KeysFileError(f"{where}: 'id' must look like key_0123abcd.")
    try:
        check_project_name(project)  # type: ignore[arg-type]
    except ValueError as exc:
        raise KeysFileError(f"{where} ({key_id}): 'project': {exc}.") from None
    if not isinstance(sha256, str) or not _DIGEST.fullmatch(sha256):
        raise KeysFileError(f"{where} ({key_id}): 'sha256' must be 64 lowercase hex digits.")
    created = item.get("created_at", datetime.fromtimestamp(0, UTC))
    if not isinstance(created, datetime):
        raise KeysFileError(f"{where} ({key_id}): 'created_at' must be a date and time.")
    note = item.get("note", "")
    if not isinstance(note, str):
        raise KeysFileError(f"{where} ({key_id}): 'note' must be a string.")
    return KeyEntry(key_id, project, sha256, created if created.tzinfo else created.replace(tzinfo=UTC), note)  # type: ignore[arg-type]


def read_keys(path: Path) -> list[KeyEntry]:
    """The entries of the keys file at `path`; KeysFileError when it is missing, unreadable or malformed."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeysFileError(f"The keys file {path} does not exist. Create a key with: asst-tui keys create --project NAME --keys-file {path}") from None
    except OSError as exc:
        raise KeysFileError(f"Can't read the keys file {path}: {exc.strerror or exc}.") from None
    return parse_keys(data, path)


def keys_text(entries: list[KeyEntry]) -> str:
    """The keys file's text for these entries."""
    tables = []
    for entry in entries:
        table: dict[str, object] = {"id": entry.id, "project": entry.project, "sha256": entry.sha256, "created_at": entry.created_at}
        if entry.note:
            table["note"] = entry.note
        tables.append(table)
    return _HEADER + tomli_w.dumps({"version": VERSION, "keys": tables})


def write_keys(path: Path, entries: list[KeyEntry]) -> None:
    """Replace the keys file atomically, readable and writable by its owner only."""
    write_text_atomic(path, keys_text(entries), mode=FILE_MODE)
