"""`asst-tui send`'s side of one run: the reply to stdout, tool activity and problems to stderr, auto handlers only.

A RunObserver (session/run.py): the session follows the run, this prints it and decides that only
handlers marked `auto = true` answer function calls; any other call cancels the run.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..client.events import MessageStarted, RequiresAction, RunEnded, StreamError, TextDelta, ToolCallDone
from ..client.handlers import HandlerResult, handler_env
from ..safe_text import visible
from ..session.local_handlers import outputs_of, run_handlers, without_auto_handler
from ..session.run import CANCEL_RUN, ToolOutputs
from .support import report

if TYPE_CHECKING:
    from ..client.errors import BackendError
    from ..client.events import RunEvent
    from ..config import Profile


class ReplyPrinter:
    """Prints one run as it streams; `verdict` gives the exit status once the session is done."""

    def __init__(self, profile: Profile, thread_id: str) -> None:
        self.profile = profile
        self.thread_id = thread_id
        self.run_id: str | None = None
        self.printed = False
        self.at_line_start = True
        self.said_why = False  # following stopped early, and stderr says why

    def verdict(self, ended: RunEnded | None) -> int:
        """0 when the run completed; else 1, after saying how it ended (unless that was said already)."""
        from ..client.run_info import end_reason

        if ended is None:
            if not self.said_why:
                print("asst-tui: the stream ended without the run's end", file=sys.stderr)
            return 1
        if ended.status == "completed":
            return 0
        if not self.said_why:
            print(f"asst-tui: the run {visible(end_reason(ended.run) or ended.status)}", file=sys.stderr)
        return 1

    # --- RunObserver ----------------------------------------------------------------------------

    def run_started(self, run_id: str) -> None:
        self.run_id = run_id

    def status(self, status: str) -> None:
        """The exit status and stderr say how the run ended; nothing to print on the way."""

    async def show(self, event: RunEvent) -> None:
        if isinstance(event, TextDelta):
            self._out(visible(event.text))
        elif isinstance(event, MessageStarted) and event.role == "assistant" and self.printed:
            self.end_line()
            self._out("\n")
        elif isinstance(event, ToolCallDone) and event.type == "code_interpreter":
            _show_code(event.call)
        elif isinstance(event, (RequiresAction, RunEnded, StreamError)):
            self.end_line()

    async def outputs_for(self, waiting: RequiresAction) -> ToolOutputs | str:
        """Outputs from auto handlers for every call; else cancel the run, after saying why."""
        handlers = self.profile.handlers
        missing = without_auto_handler(waiting.tool_calls, handlers)
        if missing:
            print(
                visible(f"asst-tui: the run calls {', '.join(missing)}; `asst-tui send` answers only functions whose handler "
                        f"is marked auto = true ([profiles.{self.profile.name}.handlers] in config.toml), so the run was "
                        f"cancelled. To answer function calls by hand, use the TUI: asst-tui --thread {self.thread_id}"),
                file=sys.stderr,
            )
            self.said_why = True
            return CANCEL_RUN
        drafts: dict[str, str] = {}
        await run_handlers(waiting.tool_calls, handlers, handler_env(self.profile), drafts, _report_handler)
        return outputs_of(waiting.tool_calls, drafts)

    def left_waiting(self) -> None:
        """Never happens: `outputs_for` always answers or cancels."""

    async def stream_broke(self, error: StreamError) -> bool:
        if error.recoverable and self.run_id:
            print(f"asst-tui: {visible(error.message)} Waiting for the run to end…", file=sys.stderr)
            return True
        print(f"asst-tui: {visible(error.message)}", file=sys.stderr)
        self.said_why = True
        return False

    async def not_sent(self, error: BackendError) -> bool:
        return self._gave_up(error)

    async def not_cancelled(self, error: BackendError) -> bool:
        return self._gave_up(error)

    async def lost(self, error: BackendError) -> None:
        self._gave_up(error)

    async def caught_up(self) -> None:
        """The reply is not printed again: stdout has what the stream gave."""

    def finished(self) -> None:
        """`verdict` says how it ended, once the session is done."""

    def _gave_up(self, error: BackendError) -> bool:
        self.end_line()
        report(error)
        self.said_why = True
        return False

    def _out(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self.printed = True
            self.at_line_start = text.endswith("\n")

    def end_line(self) -> None:
        if not self.at_line_start:
            self._out("\n")


def _report_handler(name: str, result: HandlerResult) -> None:
    note = "" if result.ok else "; its error output is sent to the model"
    print(visible(f"asst-tui: handler {name}: {result.summary}{note}"), file=sys.stderr)


def _show_code(call: dict[str, Any]) -> None:
    code = call.get("code_interpreter") or {}
    logs = "".join(output.get("logs") or "" for output in code.get("outputs") or [] if output.get("type") == "logs")
    block = f"--- code interpreter ---\n{code.get('input') or ''}".rstrip("\n")
    if logs:
        block += f"\n--- logs ---\n{logs}".rstrip("\n")
    print(visible(block), file=sys.stderr)
