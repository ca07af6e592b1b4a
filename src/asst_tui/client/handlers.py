"""Local function handlers: run the command configured for a function, arguments as JSON on stdin.

The command gets the user's environment minus every secret asst-tui can recognise: the variables the
profile names for API keys and any variable whose name ends in _KEY, _TOKEN, _SECRET or _PASSWORD
(OPENAI_API_KEY, AZURE_OPENAI_API_KEY, ASST_TUI_SERVER_KEY, GITHUB_TOKEN...).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asst_tui.config import FunctionHandler, Profile

SECRET_NAME = re.compile(r"(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)$|API_?KEY", re.IGNORECASE)
MAX_OUTPUT = 512 * 1024  # characters of stdout kept as the output
STDERR_TAIL = 2000  # characters of stderr quoted in an error output


@dataclass(frozen=True)
class HandlerResult:
    """What a handler run gives: the output to submit, and whether the command succeeded."""

    ok: bool
    output: str
    summary: str  # one line for the user: "exit 0 in 0.2 s", "timed out after 30 s"...


def handler_env(profile: Profile | None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a handler runs with: `environ` (default os.environ) without API keys and secrets."""
    environ = os.environ if environ is None else environ
    named = {profile.api_key_env, profile.upstream_api_key_env} - {None} if profile else set()
    return {name: value for name, value in environ.items() if name not in named and not SECRET_NAME.search(name)}


def command_line(handler: FunctionHandler) -> str:
    """The command as the user will see it before confirming (normalised quoting)."""
    return shlex.join(shlex.split(handler.command))


async def run_handler(handler: FunctionHandler, arguments: str, env: Mapping[str, str]) -> HandlerResult:
    """Run the command with `arguments` on stdin; never raises (except CancelledError, which kills it)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        process = await asyncio.create_subprocess_exec(
            *shlex.split(handler.command),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            start_new_session=True,  # its own process group, so a timeout kills its children too
        )
    except (OSError, ValueError) as exc:
        return _failed(f"could not start {handler.command!r}: {exc}", "")
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(arguments.encode()), handler.timeout)
    except asyncio.TimeoutError:
        _kill(process)
        await process.wait()
        return _failed(f"timed out after {handler.timeout:g} s", "")
    except BaseException:
        _kill(process)
        raise
    took = f"{loop.time() - started:.1f} s"
    errors = stderr.decode("utf-8", "replace")
    if process.returncode != 0:
        return _failed(f"exited with status {process.returncode} after {took}", errors)
    output = stdout.decode("utf-8", "replace").removesuffix("\n")
    if len(output) > MAX_OUTPUT:
        output = output[:MAX_OUTPUT]
        return HandlerResult(True, output, f"exit 0 in {took}; output cut to {MAX_OUTPUT} characters")
    return HandlerResult(True, output, f"exit 0 in {took}")


def _failed(summary: str, stderr: str) -> HandlerResult:
    error = {"error": f"the local handler {summary}"}
    if stderr.strip():
        error["stderr"] = stderr.strip()[-STDERR_TAIL:]
    return HandlerResult(False, json.dumps(error, ensure_ascii=False), summary)


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
