"""`asst-tui send`: one turn from the shell; the reply streams to stdout, tool activity and problems to stderr.

Exit status: 0 when the run completes, 1 when it fails, ends incomplete, expired or cancelled, or the
backend cannot be reached, 2 for a usage or configuration problem. A function call is answered only
by a handler marked `auto = true`; any other call cancels the run with a clear message.
"""

from __future__ import annotations

import asyncio
import sys
from argparse import Namespace
from typing import TYPE_CHECKING, Any

from ..protocol import ACTIVE_RUN_STATUSES
from ..registry import Registry
from ..safe_text import visible
from .support import command_connection, command_profile, report

if TYPE_CHECKING:
    from ..client.backend import Backend
    from ..config import Profile

POLL_SECONDS = 1.0


def run_send(args: Namespace) -> int:
    words = list(args.words)
    if args.new and len(words) != 1:
        print("asst-tui send: with --new, give only the message: asst-tui send --new --assistant ID \"text\"", file=sys.stderr)
        return 2
    if not args.new and len(words) != 2:
        print("asst-tui send: give a thread and a message (asst-tui send THREAD_ID \"text\"), or --new", file=sys.stderr)
        return 2
    text = sys.stdin.read() if words[-1] == "-" else words[-1]
    if not text.strip():
        print("asst-tui send: the message is empty", file=sys.stderr)
        return 2
    resolved = command_profile(args)
    if resolved is None:
        return 2
    registry = Registry()
    registry.load()
    profile = resolved[1]
    thread_id = None if args.new else words[0]
    assistant_id = args.assistant or _known_assistant(registry, profile, thread_id)
    if not assistant_id:
        print("asst-tui send: which assistant? Name one with --assistant ID (or set default_assistant in the profile).", file=sys.stderr)
        return 2
    return asyncio.run(_send(profile, registry, thread_id, assistant_id, text))


def _known_assistant(registry: Registry, profile: Profile, thread_id: str | None) -> str | None:
    """The thread's assistant in the registry, else the profile's default, else the one used last."""
    entry = registry.get_thread(profile.identity, thread_id) if thread_id else None
    if entry and entry.assistant_id:
        return entry.assistant_id
    if profile.default_assistant:
        return profile.default_assistant
    used = registry.assistants(profile.identity)
    return used[0].id if used else None


async def _send(profile: Profile, registry: Registry, thread_id: str | None, assistant_id: str, text: str) -> int:
    from ..client.errors import BackendError
    from ..session.choose import new_thread

    connection = await command_connection(profile)
    if connection is None:
        return 1
    backend = connection.backend
    try:
        if thread_id is None:
            thread_id = await new_thread(backend, registry, profile.identity, assistant_id)
            print(f"asst-tui: new thread {thread_id}", file=sys.stderr)
        elif registry.get_thread(profile.identity, thread_id) is None:
            registry.adopt_thread(profile.identity, thread_id)
        await backend.add_message(thread_id, text)
        registry.set_title_if_empty(profile.identity, thread_id, text)
        registry.touch_thread(profile.identity, thread_id)
        run = await Turn(backend, profile, thread_id).follow(backend.stream_run(thread_id, assistant_id))
    except BackendError as error:
        return report(error)
    finally:
        await connection.close()
    return _verdict(run)


def _verdict(run: dict[str, Any] | None) -> int:
    from ..client.run_info import end_reason

    if run is None:
        return 1
    if run.get("status") == "completed":
        return 0
    print(f"asst-tui: the run {visible(end_reason(run) or run.get('status', 'ended'))}", file=sys.stderr)
    return 1


class Turn:
    """Streams one run to stdout, answers function calls with auto handlers, and returns the final run."""

    def __init__(self, backend: Backend, profile: Profile, thread_id: str) -> None:
        self.backend = backend
        self.profile = profile
        self.thread_id = thread_id
        self.run_id: str | None = None
        self.printed = False
        self.at_line_start = True

    async def follow(self, events: Any) -> dict[str, Any] | None:
        """Consume streams until the run ends; None when it had to be given up (after saying why)."""
        from ..client.events import RequiresAction, RunEnded, StreamError

        while True:
            end = await self._consume(events)
            self._end_line()
            if isinstance(end, RunEnded):
                return end.run
            if isinstance(end, RequiresAction):
                outputs = await self._answer(end)
                if outputs is None:
                    return None
                events = self.backend.submit_tool_outputs(self.thread_id, end.run_id, outputs)
            elif isinstance(end, StreamError) and end.recoverable and self.run_id:
                print(f"asst-tui: {end.message} Waiting for the run to end…", file=sys.stderr)
                return await self._wait()
            else:
                message = end.message if isinstance(end, StreamError) else "the stream ended without the run's end"
                print(f"asst-tui: {visible(message)}", file=sys.stderr)
                return None

    async def _consume(self, events: Any) -> Any:
        from ..client.events import MessageStarted, RequiresAction, RunEnded, RunStatusChanged, StreamError, TextDelta, ToolCallDone

        async for event in events:
            if isinstance(event, TextDelta):
                self._out(visible(event.text))
            elif isinstance(event, MessageStarted) and event.role == "assistant" and self.printed:
                self._end_line()
                self._out("\n")
            elif isinstance(event, RunStatusChanged):
                self.run_id = event.run_id
            elif isinstance(event, ToolCallDone) and event.type == "code_interpreter":
                _show_code(event.call)
            elif isinstance(event, (RequiresAction, RunEnded, StreamError)):
                return event
        return None

    def _out(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self.printed = True
            self.at_line_start = text.endswith("\n")

    def _end_line(self) -> None:
        if not self.at_line_start:
            self._out("\n")

    async def _answer(self, waiting: Any) -> list[dict[str, str]] | None:
        """Outputs from auto handlers for every call; else cancel the run and say why (None)."""
        from ..client.handlers import handler_env, run_handler

        handlers = self.profile.handlers
        missing = sorted({_name(call) for call in waiting.tool_calls if not _auto(handlers.get(_name(call)))})
        if missing:
            names = ", ".join(missing)
            print(
                visible(f"asst-tui: the run calls {names}; `asst-tui send` answers only functions whose handler is marked "
                        f"auto = true ([profiles.{self.profile.name}.handlers] in config.toml), so the run was cancelled. "
                        f"To answer function calls by hand, use the TUI: asst-tui --thread {self.thread_id}"),
                file=sys.stderr,
            )
            await self.backend.cancel_run(self.thread_id, waiting.run_id)
            return None
        env = handler_env(self.profile)
        outputs = []
        for call in waiting.tool_calls:
            result = await run_handler(handlers[_name(call)], str(call["function"].get("arguments") or ""), env)
            note = "" if result.ok else "; its error output is sent to the model"
            print(visible(f"asst-tui: handler {_name(call)}: {result.summary}{note}"), file=sys.stderr)
            outputs.append({"tool_call_id": call["id"], "output": result.output})
        return outputs

    async def _wait(self) -> dict[str, Any]:
        run = await self.backend.retrieve_run(self.thread_id, self.run_id)
        while run.get("status") in ACTIVE_RUN_STATUSES - {"requires_action"}:
            await asyncio.sleep(POLL_SECONDS)
            run = await self.backend.retrieve_run(self.thread_id, self.run_id)
        if run.get("status") == "requires_action":
            print("asst-tui: the run waits for function outputs; answer it in the TUI.", file=sys.stderr)
        return run


def _name(call: dict[str, Any]) -> str:
    return str((call.get("function") or {}).get("name") or "")


def _auto(handler: Any) -> bool:
    return handler is not None and handler.auto


def _show_code(call: dict[str, Any]) -> None:
    code = call.get("code_interpreter") or {}
    logs = "".join(output.get("logs") or "" for output in code.get("outputs") or [] if output.get("type") == "logs")
    block = f"--- code interpreter ---\n{code.get('input') or ''}".rstrip("\n")
    if logs:
        block += f"\n--- logs ---\n{logs}".rstrip("\n")
    print(visible(block), file=sys.stderr)
