"""The assistants screen and editor, with Pilot, against the embedded server."""

from __future__ import annotations

import json
import uuid

import pytest
from textual.widgets import DataTable, Input, Select, Switch, TextArea

from asst_tui.client.errors import BackendError
from asst_tui.tui.screens.assistant_editor import AssistantEditorScreen
from asst_tui.tui.screens.assistants import AssistantsOutcome, AssistantsScreen

from .conftest import IDENTITY, Host, screen_text, wait_for

SIZE = (120, 50)
WEATHER = {
    "name": "get_weather",
    "description": "Weather at a place",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def row_names(app) -> list[str]:
    return [row.name for row in app.screen.rows] if isinstance(app.screen, AssistantsScreen) else []


async def fill(pilot, **values: str) -> None:
    """Type into the editor's Input fields (keys) and set its TextAreas."""
    screen = pilot.app.screen
    for name, value in values.items():
        widget = screen.query_one(f"#{name}")
        widget.focus()
        if isinstance(widget, TextArea):
            widget.load_text(value)
        else:
            widget.value = ""
            await pilot.press(*value)
    await pilot.pause()


async def test_create_edit_duplicate_delete(backend, registry) -> None:
    name = f"Helper {uuid.uuid4().hex[:6]}"
    app = Host(lambda: AssistantsScreen(backend, registry, IDENTITY))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "assistant" in screen_text(app), what="the list")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AssistantEditorScreen), what="the editor")
        await fill(pilot, name=name, model="demo", temperature="0.3", instructions="Be brief.\nUse metric units.",
                   metadata="team = docs", functions=json.dumps([WEATHER]))
        app.screen.query_one("#code_interpreter", Switch).value = True
        app.screen.query_one("#response_format", Select).value = "json_object"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: name in row_names(app), what="the new row")
        created = next(row.assistant for row in app.screen.rows if row.name == name)
        server_copy = await backend.retrieve_assistant(created["id"])
        assert server_copy["model"] == "demo" and server_copy["temperature"] == 0.3
        assert server_copy["instructions"] == "Be brief.\nUse metric units."
        assert server_copy["metadata"] == {"team": "docs"}
        assert server_copy["response_format"] == {"type": "json_object"}
        assert [t["type"] for t in server_copy["tools"]] == ["code_interpreter", "function"]
        assert server_copy["tools"][1]["function"]["parameters"] == WEATHER["parameters"]
        assert [entry.id for entry in registry.assistants(IDENTITY)] == [created["id"]]
        table = app.screen.query_one(DataTable)
        assert app.screen.rows[table.cursor_row].id == created["id"]  # the new one is selected

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, AssistantEditorScreen), what="the editor")
        assert app.screen.query_one("#name", Input).value == name
        await fill(pilot, model="demo-2", description="edited")
        app.screen.query_one("#code_interpreter", Switch).value = False
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, AssistantsScreen), what="the list again")
        edited = await backend.retrieve_assistant(created["id"])
        assert (edited["model"], edited["description"]) == ("demo-2", "edited")
        assert [t["type"] for t in edited["tools"]] == ["function"]
        assert edited["instructions"] == "Be brief.\nUse metric units."

        await wait_for(pilot, lambda: app.screen.selected() and app.screen.selected().id == created["id"], what="selection")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, AssistantEditorScreen), what="the duplicate editor")
        assert app.screen.query_one("#name", Input).value == f"{name} (copy)"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"{name} (copy)" in row_names(app), what="the copy")
        copy = next(row.assistant for row in app.screen.rows if row.name == f"{name} (copy)")
        assert copy["id"] != created["id"] and copy["tools"] == edited["tools"]

        await wait_for(pilot, lambda: app.screen.selected().id == copy["id"], what="the copy selected")
        await pilot.press("d")
        await wait_for(pilot, lambda: "Delete the assistant" in screen_text(app), what="the question")
        await pilot.press("n")  # no: nothing happens
        await pilot.pause()
        assert (await backend.retrieve_assistant(copy["id"]))["id"] == copy["id"]
        await pilot.press("d")
        await wait_for(pilot, lambda: "Delete the assistant" in screen_text(app), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: f"{name} (copy)" not in row_names(app), what="the row to go")
        with pytest.raises(BackendError) as gone:
            await backend.retrieve_assistant(copy["id"])
        assert gone.value.kind == "not_found"
        assert copy["id"] not in {entry.id for entry in registry.assistants(IDENTITY)}

        await wait_for(pilot, lambda: app.screen.selected() is not None, what="a selection")
        app.screen.query_one(DataTable).move_cursor(row=row_names(app).index(name))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results, what="the outcome")
    [outcome] = app.results
    assert isinstance(outcome, AssistantsOutcome)
    assert outcome.use["id"] == created["id"] and outcome.deleted == {copy["id"]}
    assert outcome.updated[created["id"]]["model"] == "demo-2"


async def test_registry_entry_the_server_lost_is_listed_dimmed(backend, registry) -> None:
    from asst_tui.registry import AssistantEntry

    registry.record_assistant(IDENTITY, AssistantEntry("asst_gone", name="Old helper"))
    app = Host(lambda: AssistantsScreen(backend, registry, IDENTITY))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Old helper" in row_names(app), what="the registry row")
        [row] = [row for row in app.screen.rows if row.id == "asst_gone"]
        assert row.assistant is None  # the shared server may list many others first, so check the data
        cells = app.screen.query_one(DataTable).get_row("asst_gone")
        assert str(cells[2]) == "not on the server" and cells[2].style == "dim"
        assert "1 known here only (dimmed)" in str(app.screen.query_one("#assistants-status").render())


class Recorder:
    def __init__(self, backend) -> None:
        self.backend = backend
        self.sent: list[dict] = []

    async def __call__(self, params: dict) -> dict:
        self.sent.append(params)
        return await self.backend.create_assistant(**params)


def marked(app, name: str) -> str | None:
    box = app.screen.query_one(f"#field-{name}")
    return str(app.screen.query_one(f"#error-{name}").render()) if box.has_class("-invalid") else None


async def test_invalid_function_json_or_schema_is_refused_with_the_field_marked(backend) -> None:
    save = Recorder(backend)
    app = Host(lambda: AssistantEditorScreen("New assistant", save))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, name="Broken", model="demo", functions='[{"name": "get_weather", "parameters": {')
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "invalid JSON at line 1" in marked(app, "functions")
        assert app.focused is app.screen.query_one("#functions")
        assert "Not saved: 1 field needs fixing" in screen_text(app)

        bad_type = {**WEATHER, "parameters": {"type": "object", "properties": {"city": {"type": "strng"}}}}
        await fill(pilot, functions=json.dumps([bad_type]), temperature="hot")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "parameters.properties.city.type: 'strng' is not a JSON Schema type" in marked(app, "functions")
        assert "'hot' is not a number" in marked(app, "temperature")

        missing = {**WEATHER, "parameters": {"type": "object", "properties": {}, "required": ["city"]}}
        await fill(pilot, functions=json.dumps([missing]), temperature="", model="")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "'city' is not one of the properties" in marked(app, "functions")
        assert marked(app, "model") == "a model is required"
        assert marked(app, "temperature") is None
        assert save.sent == [] and app.results == []

        await fill(pilot, functions=json.dumps([WEATHER]), model="demo")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results, what="saved")
    assert len(save.sent) == 1 and app.results[0]["tools"][0]["function"]["name"] == "get_weather"


async def test_server_refusal_keeps_the_editor_open(backend) -> None:
    async def refuse(params: dict) -> dict:
        raise BackendError("The request was refused (400): Invalid 'model'", "Check what was sent.", kind="bad_request")

    app = Host(lambda: AssistantEditorScreen("New assistant", refuse))
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, model="demo")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "The server refused it" in screen_text(app), what="the refusal")
        assert isinstance(app.screen, AssistantEditorScreen) and app.results == []
