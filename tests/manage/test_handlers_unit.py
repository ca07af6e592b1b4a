"""Running local function handlers: output, failures, timeouts, and an environment without secrets."""

from __future__ import annotations

import json
import sys

from asst_tui.client.handlers import command_line, handler_env, run_handler
from asst_tui.config import FunctionHandler, Profile

ENVIRON = {
    "PATH": "/usr/bin:/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "MY_CREDS": "profile-key",
    "OPENAI_API_KEY": "sk-1", "AZURE_OPENAI_API_KEY": "az", "ASST_TUI_SERVER_KEY": "srv", "GITHUB_TOKEN": "gh",
    "AWS_SECRET_ACCESS_KEY": "aws", "DB_PASSWORD": "pw", "my_api_key": "x", "UPSTREAM": "up", "KEYBOARD": "us",
}


def test_env_drops_the_profiles_key_variables_and_anything_secret() -> None:
    profile = Profile("work", "openai", api_key_env="MY_CREDS")
    env = handler_env(profile, ENVIRON)
    assert env == {"PATH": "/usr/bin:/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "UPSTREAM": "up", "KEYBOARD": "us"}
    local = Profile("local", "local", upstream_api_key_env="UPSTREAM")
    assert "UPSTREAM" not in handler_env(local, ENVIRON)


def test_command_line_is_shown_normalised() -> None:
    assert command_line(FunctionHandler("python3  'my tool.py'   --json")) == "python3 'my tool.py' --json"


async def test_stdout_becomes_the_output_and_arguments_arrive_on_stdin() -> None:
    script = "import json,sys; a=json.load(sys.stdin); print(json.dumps({'got': a['city']}))"
    handler = FunctionHandler(f"{sys.executable} -c {json.dumps(script)}")
    result = await run_handler(handler, '{"city": "Oslo"}', {"PATH": "/usr/bin:/bin"})
    assert result.ok and json.loads(result.output) == {"got": "Oslo"}
    assert result.summary.startswith("exit 0 in")


async def test_failures_become_error_outputs() -> None:
    failing = FunctionHandler(f"{sys.executable} -c \"import sys; sys.stderr.write('no such city'); sys.exit(4)\"")
    result = await run_handler(failing, "{}", {})
    assert not result.ok and result.summary.startswith("exited with status 4")
    assert json.loads(result.output) == {"error": f"the local handler {result.summary}", "stderr": "no such city"}

    slow = FunctionHandler(f"{sys.executable} -c \"import time; time.sleep(30)\"", timeout=0.3)
    result = await run_handler(slow, "{}", {})
    assert not result.ok and result.summary == "timed out after 0.3 s"

    missing = await run_handler(FunctionHandler("/no/such/program --x"), "{}", {})
    assert not missing.ok and "could not start" in json.loads(missing.output)["error"]
