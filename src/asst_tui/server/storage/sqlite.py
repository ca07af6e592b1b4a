"""The SQLite storage of one data dir: objects (with their projects) in `assistants.sqlite3`, chunks in `search.sqlite3`, bytes in `files/`."""

from __future__ import annotations

from pathlib import Path

from .file_dir import FileDir
from .interface import Storage
from .sqlite_chunks import SqliteChunkIndex
from .sqlite_objects import SqliteProjects


def open_sqlite(data_dir: Path) -> Storage:
    """Open (creating them if need be) the databases and the files dir under `data_dir`."""
    return Storage(SqliteProjects(data_dir / "assistants.sqlite3"), SqliteChunkIndex(data_dir / "search.sqlite3"), FileDir(data_dir / "files"))
