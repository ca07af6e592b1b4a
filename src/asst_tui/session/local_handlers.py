"""Answer a run's function calls with the profile's local handlers: auto ones at once, the others once confirmed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..client.handlers import HandlerResult, run_handler

if TYPE_CHECKING:
    from ..config import FunctionHandler

Confirm = Callable[[dict[str, Any], "FunctionHandler"], Awaitable[HandlerResult | None]]
"""Ask the user about one call's handler; it runs the handler once they agree: its result, or None when not run."""
Report = Callable[[str, HandlerResult], None]
"""Tell the user what one handler gave (function name, result)."""


def call_id(call: dict[str, Any]) -> str:
    return str(call.get("id", ""))


def function_name(call: dict[str, Any]) -> str:
    return str((call.get("function") or {}).get("name") or "")


def arguments(call: dict[str, Any]) -> str:
    return str((call.get("function") or {}).get("arguments") or "")


def without_auto_handler(calls: list[dict[str, Any]], handlers: Mapping[str, FunctionHandler]) -> list[str]:
    """The names of the functions called that no handler marked `auto = true` answers, sorted."""
    return sorted({function_name(call) for call in calls if not _auto(handlers.get(function_name(call)))})


async def run_handlers(
    calls: list[dict[str, Any]],
    handlers: Mapping[str, FunctionHandler],
    env: Mapping[str, str],
    drafts: dict[str, str],
    report: Report,
    confirm: Confirm | None = None,
) -> bool:
    """Put each handler's output (or error output) into `drafts`, asking `confirm` first unless the handler is auto.

    Without `confirm` only auto handlers run. Calls already in `drafts` (a reopened prompt) are left
    alone. Returns True when every call was answered by an auto handler that succeeded, so the outputs
    can be submitted without asking anyone.
    """
    all_auto = bool(calls)
    for call in calls:
        handler = handlers.get(function_name(call))
        if handler is None or call_id(call) in drafts:
            all_auto = False
            continue
        if handler.auto:
            result = await run_handler(handler, arguments(call), env)
        else:
            all_auto = False
            result = await confirm(call, handler) if confirm else None
            if result is None:
                continue
        drafts[call_id(call)] = result.output
        report(function_name(call), result)
        all_auto = all_auto and result.ok
    return all_auto


def outputs_of(calls: list[dict[str, Any]], drafts: Mapping[str, str]) -> list[dict[str, str]]:
    """The tool outputs to submit for `calls`, from the drafts."""
    return [{"tool_call_id": call_id(call), "output": drafts[call_id(call)]} for call in calls]


def _auto(handler: FunctionHandler | None) -> bool:
    return handler is not None and handler.auto
