"""The engine interface: produce a run's output through its RunContext."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..context import RunContext


class Engine(Protocol):
    name: str

    async def run(self, ctx: RunContext) -> None:
        """Do the next turn of the run: write messages, call tools, or request function outputs.

        Called again after tool outputs are submitted; `ctx.submitted_function_calls()` then has them.
        """
