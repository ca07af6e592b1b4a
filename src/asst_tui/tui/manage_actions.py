"""The app's actions for switching and managing assistants, overriding the next run and inspecting runs (a mixin of AsstApp)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import work
from textual.actions import SkipAction

from .run_overrides import RunOverrides
from .text import visible


class ManageActions:
    """Needs the AsstApp attributes: connection, registry, identity, assistant, thread_id, status_line,
    show_problem, use_assistant and _connected."""

    run_overrides = RunOverrides()  # a plain dataclass (run_overrides.py): its dialog's module loads at the first F7

    def next_run_params(self) -> dict[str, Any]:
        """The overrides to send with the run about to start."""
        return dict(self.run_overrides.params)

    def run_overrides_used(self, sent: dict[str, Any]) -> None:
        """A run that was sent the overrides `sent` has ended: drop them unless pinned (or changed since)."""
        if sent and sent == self.run_overrides.params and not self.run_overrides.pinned:
            self.set_run_overrides(RunOverrides())
            self.notify("The overrides were used by that run and are now cleared (pin them to keep them).", markup=False)

    def set_run_overrides(self, overrides: RunOverrides) -> None:
        self.run_overrides = overrides
        self.status_line.overrides = overrides.summary()

    def _dialog(self, dialog: Callable[[], Awaitable[None]]) -> None:
        """Run a dialog from the main screen; from any other screen the key goes on to its widgets."""
        if len(self.screen_stack) > 1:
            raise SkipAction()
        self.run_worker(dialog, group="dialog")

    def action_run_overrides(self) -> None:
        self._dialog(self._run_overrides)

    def action_run_inspector(self) -> None:
        self._dialog(self._run_inspector)

    def action_assistants(self) -> None:
        self._dialog(self._assistants)

    async def _run_overrides(self) -> None:
        from .screens.run_overrides import RunOverridesScreen

        assistant = self.assistant or {}
        functions = [(t.get("function") or {}).get("name", "") for t in assistant.get("tools") or [] if t.get("type") == "function"]
        chosen = await self.push_screen_wait(RunOverridesScreen(self.run_overrides, functions, assistant))
        if chosen is not None:
            self.set_run_overrides(chosen)

    async def _run_inspector(self) -> None:
        from .screens.run_inspector import RunInspectorScreen

        if not self._connected() or not self.thread_id:
            return
        entry = self.registry.get_thread(self.identity, self.thread_id)
        await self.push_screen_wait(RunInspectorScreen(self.connection.backend, self.thread_id, (entry and entry.title) or ""))

    async def _assistants(self) -> None:
        from .screens.assistants import AssistantsScreen

        if not self._connected():
            return
        current = self.assistant and self.assistant["id"]
        outcome = await self.push_screen_wait(AssistantsScreen(self.connection.backend, self.registry, self.identity, current))
        if outcome.use is not None:
            self.use_assistant(outcome.use)
            if outcome.use["id"] != current:
                name = outcome.use.get("name") or outcome.use["id"]
                self.notify(visible(f"{name} answers from the next run on."), title="Assistant", markup=False)
        elif current in outcome.deleted:
            self.use_assistant(None)
            self.notify("The assistant of this chat was deleted; choose another with Shift+F4.", severity="warning", markup=False)
        elif current in outcome.updated:
            self.use_assistant(outcome.updated[current])

    @work(group="dialog")
    async def action_switch_assistant(self) -> None:
        from .screens.picker import PickerScreen, assistant_option

        if not self._connected():
            return
        assistants: list[dict[str, Any]] = []

        async def load() -> list[Any]:
            assistants[:] = await self.connection.backend.list_assistants()
            return [assistant_option(a) for a in assistants]

        chosen = await self.push_screen_wait(PickerScreen(
            "Switch assistant", current=self.assistant and self.assistant["id"], load=load,
            empty="This backend has no assistant yet: Shift+F4 (or the palette) makes one."))
        assistant = next((a for a in assistants if a["id"] == chosen), None)
        if assistant:
            from ..session.choose import remember_assistant

            remember_assistant(self.registry, self.identity, assistant)
            self.use_assistant(assistant)
