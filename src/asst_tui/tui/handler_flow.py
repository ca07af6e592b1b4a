"""The TUI's side of local function handlers: a confirmation screen before each handler that is not auto, a toast after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..client.handlers import HandlerResult, handler_env
from ..session import local_handlers
from .text import visible

if TYPE_CHECKING:
    from textual.screen import Screen

    from ..config import FunctionHandler, Profile


class ScreenHost(Protocol):
    """An app that shows a screen until it is dismissed, and toasts."""

    async def push_screen_wait(self, screen: Screen[Any]) -> Any: ...

    def notify(self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None,
               markup: bool = True) -> None: ...


async def run_handlers(
    app: ScreenHost, calls: list[dict[str, Any]], handlers: Mapping[str, FunctionHandler], env: Mapping[str, str], drafts: dict[str, str]
) -> bool:
    """Fill `drafts` from the handlers (session/local_handlers.py), asking on a HandlerConfirmScreen first.

    True when every call was answered by an auto handler that succeeded.
    """
    from .screens.handler_confirm import HandlerConfirmScreen

    async def confirm(call: dict[str, Any], handler: FunctionHandler) -> HandlerResult | None:
        return await app.push_screen_wait(HandlerConfirmScreen(call, handler, env))

    def report(name: str, result: HandlerResult) -> None:
        if result.ok:
            app.notify(visible(f"{name}: the handler answered ({result.summary})."), title="Local handler", markup=False)
        else:
            app.notify(
                visible(f"The handler for {name} {result.summary}. Its error output is in the prompt: edit it, then submit."),
                title="Local handler failed", severity="error", timeout=12, markup=False,
            )

    return await local_handlers.run_handlers(calls, handlers, env, drafts, report, confirm)


async def handler_outputs(
    app: ScreenHost, profile: Profile | None, calls: list[dict[str, Any]], drafts: dict[str, str]
) -> list[dict[str, str]] | None:
    """Run the profile's handlers for `calls`; the outputs to submit at once when auto handlers answered all."""
    if profile is None or not profile.handlers:
        return None
    if not await run_handlers(app, calls, profile.handlers, handler_env(profile), drafts):
        return None
    return local_handlers.outputs_of(calls, drafts)
