"""`asst-tui keys create|revoke|list`: the server keys file, each key opening one project.

`create` prints the new key once, on stdout alone (so `KEY=$(asst-tui keys create ...)` works); the file
keeps only its digest. A running `asst-tui serve --keys-file` sees every change at its next request.
Changes hold a lock beside the file, so two admins at once don't lose one another's keys.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import sys
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

from ..server.core.keys_file import KeyEntry, KeysFileError, digest, new_key, new_key_id, read_keys, write_keys
from ..server.core.projects import check_project_name
from ..safe_text import visible

MAX_NOTE = 200


def run_keys(args: Namespace) -> int:
    path = Path(args.keys_file).expanduser()
    try:
        if args.action == "create":
            return _create(path, args.project, args.note or "")
        if args.action == "revoke":
            return _revoke(path, args.key_ids, args.project)
        return _list(path, args.json)
    except KeysFileError as exc:
        print(f"asst-tui keys: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"asst-tui keys: can't write {path}: {exc.strerror or exc}.", file=sys.stderr)
        return 1


def _create(path: Path, project: str, note: str) -> int:
    try:
        check_project_name(project)
    except ValueError as exc:
        print(f"asst-tui keys: {exc}.", file=sys.stderr)
        return 2
    if len(note) > MAX_NOTE or not note.isprintable():
        print(f"asst-tui keys: --note must be at most {MAX_NOTE} printable characters (no control characters).", file=sys.stderr)
        return 2
    key = new_key()
    with _locked(path):
        entries = read_keys(path) if path.exists() else []
        entry = KeyEntry(new_key_id({e.id for e in entries}), project, digest(key), note=note)
        write_keys(path, [*entries, entry])
    print(key, flush=True)
    print(
        f"Created {entry.id} for project {project!r} in {path}. This is the only time the key is shown: keep it now.",
        file=sys.stderr,
    )
    return 0


def _revoke(path: Path, key_ids: list[str], project: str | None) -> int:
    if bool(key_ids) == (project is not None):
        print("asst-tui keys revoke: name the keys to revoke (KEY_ID ...) or a --project, not both.", file=sys.stderr)
        return 2
    with _locked(path):
        entries = read_keys(path)
        if project is not None:
            gone = [e for e in entries if e.project == project]
            if not gone:
                print(f"asst-tui keys: no key of project {visible(project)!r} in {path}.", file=sys.stderr)
                return 1
        else:
            known = {e.id for e in entries}
            unknown = [key_id for key_id in key_ids if key_id not in known]
            if unknown:
                print(
                    f"asst-tui keys: no key {', '.join(visible(k) for k in unknown)} in {path}; "
                    f"'asst-tui keys list --keys-file {path}' shows its keys. Nothing was revoked.",
                    file=sys.stderr,
                )
                return 1
            gone = [e for e in entries if e.id in key_ids]
        write_keys(path, [e for e in entries if e not in gone])
    for entry in gone:
        print(f"Revoked {entry.id} (project {entry.project!r}).", file=sys.stderr)
    return 0


def _list(path: Path, as_json: bool) -> int:
    entries = read_keys(path)
    if as_json:
        rows = [{"id": e.id, "project": e.project, "created_at": e.created_at.isoformat(), "note": e.note} for e in entries]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not entries:
        print(f"No keys in {path}.", file=sys.stderr)
        return 0
    width = max(len(e.project) for e in entries)
    for e in entries:
        print(visible(f"{e.id}  {e.project:<{width}}  {e.created_at:%Y-%m-%d %H:%M} UTC  {e.note}").rstrip())
    return 0


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `.NAME.lock` beside the keys file while it is read and rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
