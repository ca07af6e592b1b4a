"""The SQLite store's versioned schema: a database from before projects is migrated on start (its objects fall to
the default project), and a database from a newer asst-tui is refused rather than misread."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import openai
import pytest

from asst_tui.server import EmbeddedServer
from asst_tui.server.core import objects
from asst_tui.server.storage.sqlite_objects import SCHEMA_VERSION, NewerDatabase

from .conftest import MODEL, sync_client
from .project_keys import create_key

# assistants.sqlite3 as every asst-tui before projects left it (no user_version, no project column)
SCHEMA_BEFORE_PROJECTS = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    parent TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_by_parent ON objects (kind, parent, seq);
"""


def test_a_database_from_before_projects_is_migrated_into_the_default_project(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    old = objects.assistant({"model": MODEL, "name": "stored before projects"})
    db = sqlite3.connect(data_dir / "assistants.sqlite3")
    db.executescript(SCHEMA_BEFORE_PROJECTS)
    db.execute("INSERT INTO objects (id, kind, parent, data) VALUES (?, 'assistant', NULL, ?)", (old["id"], json.dumps(old)))
    db.commit()
    db.close()
    keys_file = tmp_path / "keys.toml"
    default_key, other_key = create_key(keys_file, "default"), create_key(keys_file, "other")
    server = make_server(data_dir=data_dir, keys_file=keys_file)
    with sync_client(server.base_url, default_key) as default, sync_client(server.base_url, other_key) as other:
        assert default.beta.assistants.retrieve(old["id"]).name == "stored before projects"
        assert [a.id for a in default.beta.assistants.list()] == [old["id"]]
        with pytest.raises(openai.NotFoundError):
            other.beta.assistants.retrieve(old["id"])
        assert other.beta.assistants.list().data == []
    db = sqlite3.connect(data_dir / "assistants.sqlite3")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert db.execute("SELECT project FROM objects WHERE id = ?", (old["id"],)).fetchone() == ("default",)
        assert "objects_by_project" in {row[1] for row in db.execute("PRAGMA index_list(objects)")}
        plan = " ".join(str(row) for row in db.execute("EXPLAIN QUERY PLAN SELECT data FROM objects WHERE kind = 'assistant' AND project = 'other' ORDER BY seq"))
        assert "objects_by_project" in plan
    finally:
        db.close()


def test_a_database_from_a_newer_asst_tui_is_refused(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    make_server(data_dir=data_dir).stop()
    db = sqlite3.connect(data_dir / "assistants.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(NewerDatabase, match="newer than this asst-tui knows"):
        make_server(data_dir=data_dir)
    # the refused start left the data dir unlocked: a server of the right version could start on it
    db = sqlite3.connect(data_dir / "assistants.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.close()
    make_server(data_dir=data_dir)
