"""The SQLite storage of one data dir: objects (with their projects) in `assistants.sqlite3`, chunks in `search.sqlite3`, bytes in `files/` (or `--files-dir`)."""

from __future__ import annotations

from pathlib import Path

from .file_dir import FileDir
from .interface import Storage
from .sqlite_chunks import SqliteChunkIndex
from .sqlite_objects import SqliteProjects


def open_sqlite(data_dir: Path, files_dir: Path | None = None) -> Storage:
    """Open (creating them if need be) the databases under `data_dir` and the files dir (`data_dir/files` unless given)."""
    files = FileDir(files_dir if files_dir is not None else data_dir / "files")
    return Storage(SqliteProjects(data_dir / "assistants.sqlite3"), SqliteChunkIndex(data_dir / "search.sqlite3"), files)
