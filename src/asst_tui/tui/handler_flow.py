"""Answer a run's function calls with the profile's local handlers before the tool-output prompt opens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..client.handlers import handler_env, run_handler
from .text import visible

if TYPE_CHECKING:
    from textual.app import App

    from ..config import FunctionHandler


async def run_handlers(
    app: App, calls: list[dict[str, Any]], handlers: Mapping[str, FunctionHandler], env: Mapping[str, str], drafts: dict[str, str]
) -> bool:
    """Put each handler's output (or error output) into `drafts`, asking first unless the handler is auto.

    Calls already in `drafts` (a reopened prompt) are left alone. Returns True when every call was
    answered by an auto handler that succeeded, so the outputs can be submitted without the prompt.
    """
    from .screens.handler_confirm import HandlerConfirmScreen

    all_auto = bool(calls)
    for call in calls:
        call_id = str(call.get("id", ""))
        name = str((call.get("function") or {}).get("name") or "")
        handler = handlers.get(name)
        if handler is None or call_id in drafts:
            all_auto = False
            continue
        if handler.auto:
            result = await run_handler(handler, str((call.get("function") or {}).get("arguments") or ""), env)
        else:
            all_auto = False
            result = await app.push_screen_wait(HandlerConfirmScreen(call, handler, env))
            if result is None:
                continue
        drafts[call_id] = result.output
        if result.ok:
            app.notify(visible(f"{name}: the handler answered ({result.summary})."), title="Local handler", markup=False)
        else:
            all_auto = False
            app.notify(
                visible(f"The handler for {name} {result.summary}. Its error output is in the prompt: edit it, then submit."),
                title="Local handler failed", severity="error", timeout=12, markup=False,
            )
    return all_auto


async def handler_outputs(app: Any, calls: list[dict[str, Any]], drafts: dict[str, str]) -> list[dict[str, str]] | None:
    """Run the app profile's handlers for `calls`; the outputs to submit at once when auto handlers answered all."""
    profile = app.profile
    if profile is None or not profile.handlers:
        return None
    if not await run_handlers(app, calls, profile.handlers, handler_env(profile), drafts):
        return None
    return [{"tool_call_id": str(call.get("id", "")), "output": drafts[str(call.get("id", ""))]} for call in calls]
