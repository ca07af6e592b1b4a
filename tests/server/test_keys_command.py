"""`asst-tui keys` end to end: a key is created (shown once, stored only as a digest, in a 0600 file), used
against a running server, listed without secrets and revoked, and the server refuses it from the next
request on, without a restart. No key ever reaches the server's log or an error it answers."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path

import openai
import pytest

from asst_tui.atomic import write_bytes_atomic
from asst_tui.cli import main
from asst_tui.server import EmbeddedServer, ServerConfig, spawn_server
from asst_tui.server.core.keys_file import KeysFileError, digest

from .conftest import MODEL, sync_client
from .project_keys import create_key, keys_command


def test_create_prints_the_key_once_and_stores_only_its_digest(tmp_path: Path) -> None:
    keys_file = tmp_path / "admin" / "keys.toml"
    status, out, err = keys_command("create", "--project", "team-a", "--note", "CI runner", "--keys-file", str(keys_file))
    assert status == 0
    key = out.strip()
    assert out == key + "\n" and key.startswith("asst_") and len(key) == 48
    assert "only time the key is shown" in err and "team-a" in err
    text = keys_file.read_text()
    assert key not in text and key[5:] not in text
    doc = tomllib.loads(text)
    assert doc["version"] == 1
    [entry] = doc["keys"]
    assert entry["project"] == "team-a" and entry["note"] == "CI runner" and entry["sha256"] == digest(key)
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert not [p for p in keys_file.parent.iterdir() if p.name.endswith(".tmp")]  # written through a temp file and a rename
    second = create_key(keys_file, "team-a")
    assert second != key and len(tomllib.loads(keys_file.read_text())["keys"]) == 2


def test_a_key_is_used_listed_and_revoked_while_the_server_runs(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.toml"
    key_a = create_key(keys_file, "team-a")
    server = make_server(keys_file=keys_file)
    with sync_client(server.base_url, key_a) as a:
        assistant = a.beta.assistants.create(model=MODEL, name="A's")
    # a key created while the server runs works at once
    key_a2 = create_key(keys_file, "team-a")
    with sync_client(server.base_url, key_a2) as a2:
        assert a2.beta.assistants.retrieve(assistant.id).name == "A's"
    # list: ids, projects and notes, never a key or a digest
    status, out, _ = keys_command("list", "--keys-file", str(keys_file))
    assert status == 0 and out.count("team-a") == 2
    assert key_a not in out and key_a2 not in out and digest(key_a) not in out
    status, out, _ = keys_command("list", "--json", "--keys-file", str(keys_file))
    rows = json.loads(out)
    assert [set(row) for row in rows] == [{"id", "project", "created_at", "note"}] * 2
    first_id = rows[0]["id"]
    # revoke the first key: refused from the next request on; the second still works
    status, _, err = keys_command("revoke", first_id, "--keys-file", str(keys_file))
    assert status == 0 and first_id in err
    with sync_client(server.base_url, key_a) as a, pytest.raises(openai.AuthenticationError) as refused:
        a.beta.assistants.retrieve(assistant.id)
    assert key_a not in str(refused.value.body)
    with sync_client(server.base_url, key_a2) as a2:
        assert a2.beta.assistants.retrieve(assistant.id).name == "A's"
    # revoke every key of the project
    status, _, _ = keys_command("revoke", "--project", "team-a", "--keys-file", str(keys_file))
    assert status == 0 and tomllib.loads(keys_file.read_text())["keys"] == []
    with sync_client(server.base_url, key_a2) as a2, pytest.raises(openai.AuthenticationError):
        a2.beta.assistants.list()


def test_bad_commands_say_what_is_wrong_and_change_nothing(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.toml"
    create_key(keys_file, "team-a")
    before = keys_file.read_bytes()
    status, out, err = keys_command("revoke", "key_00000000", "--keys-file", str(keys_file))
    assert status == 1 and "no key key_00000000" in err and "Nothing was revoked" in err and out == ""
    status, _, err = keys_command("revoke", "--project", "nobody", "--keys-file", str(keys_file))
    assert status == 1 and "no key of project 'nobody'" in err
    status, _, err = keys_command("revoke", "key_00000000", "--project", "team-a", "--keys-file", str(keys_file))
    assert status == 2 and "not both" in err
    status, out, err = keys_command("create", "--project", "no spaces", "--keys-file", str(keys_file))
    assert status == 2 and "is not a project name" in err and out == ""
    status, _, err = keys_command("create", "--project", "ok", "--note", "bell\x07", "--keys-file", str(keys_file))
    assert status == 2 and "control characters" in err
    assert keys_file.read_bytes() == before
    status, _, err = keys_command("list", "--keys-file", str(tmp_path / "missing.toml"))
    assert status == 1 and "does not exist" in err and "asst-tui keys create" in err
    keys_file.write_text("version = 1\n[[keys]]\nid = 'key_00000001'\nproject = 'x'\n")
    status, out, err = keys_command("create", "--project", "team-a", "--keys-file", str(keys_file))
    assert status == 1 and "'sha256' must be 64 lowercase hex digits" in err and out == ""


def test_the_server_wont_start_on_a_missing_or_malformed_keys_file(make_server: Callable[..., EmbeddedServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(KeysFileError, match="does not exist"):
        make_server(keys_file=missing)
    status = main(["serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--keys-file", str(missing)])
    assert status == 1 and "asst-tui keys create --project NAME" in capsys.readouterr().err
    malformed = tmp_path / "malformed.toml"
    malformed.write_text("keys = 3\n")
    with pytest.raises(KeysFileError, match="array of tables"):
        make_server(keys_file=malformed)


def test_a_keys_file_broken_while_the_server_runs_refuses_every_key_until_fixed(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.toml"
    key = create_key(keys_file, "team-a")
    server = make_server(keys_file=keys_file)
    good = keys_file.read_bytes()
    with sync_client(server.base_url, key) as client:
        client.beta.assistants.list()
        write_bytes_atomic(keys_file, b"[[keys]\nnot toml", mode=0o600)
        with pytest.raises(openai.InternalServerError) as refused:
            client.beta.assistants.list()
        assert refused.value.status_code == 503 and "keys file" in refused.value.message
        write_bytes_atomic(keys_file, good, mode=0o600)
        client.beta.assistants.list()
        os.unlink(keys_file)  # gone: its keys are refused (no key at all is left)
        with pytest.raises(openai.AuthenticationError):
            client.beta.assistants.list()


def test_no_key_reaches_the_server_log(tmp_path: Path) -> None:
    keys_file, data_dir = tmp_path / "keys.toml", tmp_path / "data"
    key = create_key(keys_file, "team-a")
    lookalike = "asst_" + "x" * 43
    server = spawn_server(ServerConfig(data_dir=data_dir, port=0, demo_delay_ms=0, keys_file=keys_file))
    try:
        with sync_client(server.base_url, key) as client:
            assistant = client.beta.assistants.create(model=MODEL)
            thread = client.beta.threads.create(messages=[{"role": "user", "content": "hello"}])
            assert client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id).status == "completed"
        with sync_client(server.base_url, lookalike) as wrong, pytest.raises(openai.AuthenticationError) as refused:
            wrong.beta.assistants.list()
        assert lookalike not in str(refused.value.body)
        keys_file.write_text("not a keys file [")
        with sync_client(server.base_url, key) as client, pytest.raises(openai.InternalServerError):
            client.beta.assistants.list()
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "keys file" in log  # the broken file was logged...
    assert key not in log and key[5:] not in log and lookalike not in log and digest(key) not in log  # ...but no key
