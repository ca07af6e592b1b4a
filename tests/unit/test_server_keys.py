"""The keys file format and the server's key check: what opens which project, re-reading on change, failing closed."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from asst_tui.atomic import write_text_atomic
from asst_tui.server.api.auth import KeysUnavailable, ServerKeys
from asst_tui.server.core.keys_file import KeyEntry, KeysFileError, digest, keys_text, new_key, parse_keys, read_keys, write_keys
from asst_tui.server.core.projects import DEFAULT_PROJECT, check_project_name

SOURCE = Path("keys.toml")


def entry(key: str, project: str, key_id: str = "key_0000000a") -> KeyEntry:
    return KeyEntry(key_id, project, digest(key), datetime(2026, 9, 1, 12, tzinfo=UTC), "a note")


def test_the_file_round_trips_and_keeps_no_key(tmp_path: Path) -> None:
    key = new_key()
    entries = [entry(key, "team-a"), entry(new_key(), "default", "key_0000000b")]
    text = keys_text(entries)
    assert key not in text and text.startswith("# asst-tui server keys")
    assert parse_keys(text.encode(), SOURCE) == entries
    path = tmp_path / "keys.toml"
    write_keys(path, entries)
    assert read_keys(path) == entries and (path.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[keys]\n", "not valid TOML"),
        ("version = 2\n", "has version 2; this asst-tui reads version 1"),
        ("secret = 'x'\n", "unknown top-level fields: secret"),
        ("keys = 'x'\n", "array of tables"),
        ("[[keys]]\nid = 'key_0000000a'\nproject = 'a'\nsha256 = 'ab'\n", "'sha256' must be 64 lowercase hex digits"),
        ("[[keys]]\nid = 'k1'\nproject = 'a'\nsha256 = '" + "a" * 64 + "'\n", "'id' must look like key_0123abcd"),
        ("[[keys]]\nid = 'key_0000000a'\nproject = 'a b'\nsha256 = '" + "a" * 64 + "'\n", "is not a project name"),
        ("[[keys]]\nid = 'key_0000000a'\nproject = 'a'\nsha256 = '" + "a" * 64 + "'\nkey = 'asst_x'\n", "unknown fields key"),
        ("[[keys]]\nid = 'key_0000000a'\nproject = 'a'\nsha256 = '" + "a" * 64 + "'\n[[keys]]\nid = 'key_0000000a'\nproject = 'b'\nsha256 = '" + "b" * 64 + "'\n",
         "names a key id twice"),
    ],
)
def test_a_malformed_file_says_what_is_wrong_without_its_digests(text: str, message: str) -> None:
    with pytest.raises(KeysFileError, match=message) as raised:
        parse_keys(text.encode(), SOURCE)
    assert "a" * 64 not in str(raised.value) and str(SOURCE) in str(raised.value)


def test_project_names() -> None:
    assert check_project_name("team-a.prod_2") == "team-a.prod_2"
    for bad in ("", "-a", "a b", "a/b", "x" * 65, "é"):
        with pytest.raises(ValueError, match="not a project name"):
            check_project_name(bad)


def test_no_keys_at_all_is_the_default_project_for_any_request() -> None:
    keys = ServerKeys(None, None)
    assert not keys.required
    assert keys.project_for("") == keys.project_for("whatever") == DEFAULT_PROJECT


def test_each_key_opens_its_project_and_the_single_key_the_default_one(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    key_a, key_b = new_key(), new_key()
    write_keys(path, [entry(key_a, "team-a"), entry(key_b, "team-b", "key_0000000b")])
    keys = ServerKeys("single-key", path)
    assert keys.required
    assert keys.project_for(key_a) == "team-a" and keys.project_for(key_b) == "team-b"
    assert keys.project_for("single-key") == DEFAULT_PROJECT
    assert keys.project_for("") is None and keys.project_for(key_a[:-1]) is None and keys.project_for(digest(key_a)) is None


def test_changes_to_the_file_apply_at_the_next_check(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    key_a, key_b = new_key(), new_key()
    write_keys(path, [entry(key_a, "team-a")])
    keys = ServerKeys(None, path)
    assert keys.project_for(key_a) == "team-a" and keys.project_for(key_b) is None
    write_keys(path, [entry(key_b, "team-b", "key_0000000b")])  # key_a revoked, key_b added
    assert keys.project_for(key_a) is None and keys.project_for(key_b) == "team-b"
    write_text_atomic(path, "not [ toml")
    with pytest.raises(KeysUnavailable):
        keys.project_for(key_b)
    with pytest.raises(KeysUnavailable):  # still broken: no key, not even the last good file's
        keys.project_for(key_b)
    write_keys(path, [entry(key_a, "team-a")])
    assert keys.project_for(key_a) == "team-a"
    os.unlink(path)
    assert keys.project_for(key_a) is None  # a deleted file holds no keys
    write_keys(path, [entry(key_a, "team-a")])
    assert keys.project_for(key_a) == "team-a"


def test_a_file_rewritten_in_place_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    key_a, key_b = new_key(), new_key()
    write_keys(path, [entry(key_a, "team-a")])
    keys = ServerKeys(None, path)
    assert keys.project_for(key_a) == "team-a"
    with open(path, "w") as file:  # an editor that writes in place: same inode
        file.write(keys_text([entry(key_b, "team-b")]))
    assert keys.project_for(key_b) == "team-b" and keys.project_for(key_a) is None


def test_a_missing_file_at_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KeysFileError, match="does not exist"):
        ServerKeys(None, tmp_path / "nope.toml")
