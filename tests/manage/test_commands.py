"""The non-interactive commands, run in-process against the embedded server they start themselves."""

from __future__ import annotations

import json
import sys
import tomllib

import openai
import pytest

from asst_tui.cli import main

from ..tui.test_errors import scripted  # noqa: F401 - a server whose run stream drops mid-reply
from .conftest import write_config

DEFINITION = '''\
name = "Round trip"
model = "demo"
instructions = """
Be brief.
Use metric units."""
temperature = 0.4

[metadata]
team = "docs"

[[tools]]
type = "code_interpreter"

[[tools]]
type = "function"

[tools.function]
name = "get_current_temperature"
description = "Temperature at a place"

[tools.function.parameters]
type = "object"
required = ["location"]

[tools.function.parameters.properties.location]
type = "string"
'''

# prints the location it was asked about, then every variable of its environment that looks like a secret
HANDLER = (
    "import json, os, sys; args = json.load(sys.stdin); "
    "print(args['location'], sorted(k for k in os.environ if 'KEY' in k or 'TOKEN' in k or k == 'MY_CREDS'))"
)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_assistant_export_import_round_trip(home, capsys) -> None:
    source = home / "helper.toml"
    source.write_text(DEFINITION, encoding="utf-8")
    status, out, _ = run(capsys, "assistant", "import", str(source))
    assert status == 0 and out.startswith("created asst_")
    assistant_id = out.split()[1]

    exported = home / "exported.toml"
    assert run(capsys, "assistant", "export", assistant_id, "-o", str(exported))[0] == 0
    definition = tomllib.loads(exported.read_text(encoding="utf-8"))
    assert definition["id"] == assistant_id
    assert {key: definition[key] for key in tomllib.loads(DEFINITION)} == tomllib.loads(DEFINITION)

    status, out, _ = run(capsys, "assistant", "export", assistant_id, "--format", "json")
    assert status == 0 and json.loads(out) == definition  # TOML and JSON say the same

    exported.write_text(exported.read_text(encoding="utf-8").replace("Be brief.", "Be very brief."), encoding="utf-8")
    assert run(capsys, "assistant", "import", str(exported))[:2] == (0, f"updated {assistant_id}\n")
    status, out, _ = run(capsys, "assistant", "export", assistant_id, "--format", "json")
    assert json.loads(out)["instructions"] == "Be very brief.\nUse metric units."

    elsewhere = home / "elsewhere.json"
    elsewhere.write_text(json.dumps({**definition, "id": "asst_not_here"}), encoding="utf-8")
    status, out, err = run(capsys, "assistant", "import", str(elsewhere))
    assert status == 0 and out.startswith("created asst_") and "asst_not_here is not on this server" in err


def test_import_refuses_a_bad_definition_and_sends_nothing(home, capsys) -> None:
    bad = home / "bad.json"
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "strin"}}}}}
    bad.write_text(json.dumps({"name": "x", "tools": [tool]}), encoding="utf-8")
    status, out, err = run(capsys, "assistant", "import", str(bad))
    assert status == 2 and out == ""
    assert "model: a model is required" in err and "'strin' is not a JSON Schema type" in err and "Nothing was sent." in err
    (home / "bad.yaml").write_text("name: x")
    assert "name the file .toml or .json" in run(capsys, "assistant", "import", str(home / "bad.yaml"))[2]
    status, _, err = run(capsys, "send", "--new", "hi")  # nothing recorded yet: no assistant to guess
    assert status == 2 and "which assistant?" in err


def test_send_streams_the_reply_and_the_exit_status_follows_the_run(home, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    monkeypatch.setenv("MY_CREDS", "profile-key")
    monkeypatch.setenv("GITHUB_TOKEN", "gh-must-not-leak")
    write_config(home, f'[profiles.local]\nkind = "local"\nengine = "demo"\ndemo_delay_ms = 0\napi_key_env = "MY_CREDS"\n'
                       f'[profiles.local.handlers.get_current_temperature]\ncommand = {json.dumps(f"{sys.executable} -c {json.dumps(HANDLER)}")}\n'
                       f'auto = true\n')
    (home / "helper.toml").write_text(DEFINITION, encoding="utf-8")
    assistant_id = run(capsys, "assistant", "import", str(home / "helper.toml"))[1].split()[1]

    status, out, err = run(capsys, "send", "--new", "--assistant", assistant_id, "Hello from the shell")
    assert status == 0, err
    assert "> Hello from the shell" in out and "Round trip" in out
    thread_id = err.split("new thread ")[1].split()[0]
    status, out, _ = run(capsys, "threads", "--json")
    [entry] = json.loads(out)
    assert (entry["id"], entry["title"], entry["assistant_id"]) == (thread_id, "Hello from the shell", assistant_id)
    assert thread_id in run(capsys, "threads")[1]

    status, out, err = run(capsys, "send", thread_id, "```python\nprint(6 * 7)\n```")
    assert status == 0 and "42" in out and "--- code interpreter ---\nprint(6 * 7)" in err

    status, out, err = run(capsys, "send", thread_id, 'get_current_temperature {"location": "Oslo"}')
    assert status == 0, err
    assert "Oslo []" in out  # the handler answered, and saw no key at all
    assert "handler get_current_temperature: exit 0" in err

    status, out, err = run(capsys, "send", thread_id, "/fail server_error")
    assert status == 1
    assert "the run failed — server_error: The demo engine failed this run on request" in err


def test_send_refuses_function_calls_without_an_auto_handler(home, capsys) -> None:
    (home / "helper.toml").write_text(DEFINITION, encoding="utf-8")
    assistant_id = run(capsys, "assistant", "import", str(home / "helper.toml"))[1].split()[1]
    status, out, err = run(capsys, "send", "--new", "--assistant", assistant_id, 'get_current_temperature {"location": "Rome"}')
    assert status == 1
    assert "the run calls get_current_temperature" in err and "auto = true" in err and "the run was cancelled" in err
    assert f"asst-tui --thread {err.split('new thread ')[1].split()[0]}" in err
    assert run(capsys, "send", "only-text")[0] == 2  # a thread and a message are needed


def test_commands_say_when_the_demo_engine_answers_instead_of_the_configured_one(home, capsys) -> None:
    write_config(home, '[profiles.local]\nkind = "local"\nengine = "chat"\ndemo_delay_ms = 0\nupstream_api_key_env = "NOPE_KEY"\n')
    (home / "helper.toml").write_text(DEFINITION, encoding="utf-8")
    status, out, err = run(capsys, "assistant", "import", str(home / "helper.toml"))
    assert status == 0 and "The chat engine cannot start" in err and "NOPE_KEY" in err
    status, out, err = run(capsys, "send", "--new", "--assistant", out.split()[1], "hello")
    assert status == 0 and "Round trip" in out
    assert "The chat engine cannot start" in err and "demo engine answers instead" in err


def test_a_command_whose_embedded_server_cannot_start_says_why(home, capsys) -> None:
    from asst_tui import paths
    from asst_tui.server.lock import lock_data_dir

    (home / "helper.toml").write_text(DEFINITION, encoding="utf-8")
    paths.server_data_dir().mkdir(parents=True, exist_ok=True)
    held = lock_data_dir(paths.server_data_dir())  # held by a process that gives no address (a server starting)
    try:
        status, _, err = run(capsys, "assistant", "import", str(home / "helper.toml"))
    finally:
        held.close()
    assert status == 2  # a configuration problem, as the README says: this data dir can't be used now
    assert "Could not start the embedded server: The data dir" in err and "in use by another asst-tui server" in err
    assert "Traceback" not in err


def test_a_command_uses_the_embedded_server_that_already_runs(home, capsys) -> None:
    from asst_tui import paths
    from asst_tui.server import ServerConfig, spawn_server

    (home / "helper.toml").write_text(DEFINITION, encoding="utf-8")
    other = spawn_server(ServerConfig(data_dir=paths.server_data_dir(), port=0))
    try:
        status, out, err = run(capsys, "assistant", "import", str(home / "helper.toml"))
        assert status == 0, err
        client = openai.OpenAI(base_url=other.base_url, api_key="x", max_retries=0)
        assert out.split()[1] in [a.id for a in client.beta.assistants.list()]
        client.close()
    finally:
        other.stop()


def test_send_follows_a_run_on_after_its_stream_drops(home, capsys, scripted) -> None:
    status, out, err = run(capsys, "send", "--base-url", scripted.base_url, "--assistant", "asst_s", "thread_s", "tell me")
    assert status == 0, err
    assert out == "The whole\n"  # what streamed before the drop; the run's end came from polling it
    assert "Waiting for the run to end…" in err and "Traceback" not in err
