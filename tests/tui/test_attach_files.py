"""Attaching files (picker, path field, tool per file, upload progress) and the files view, on the embedded server."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable, DirectoryTree, Input, ProgressBar

from asst_tui.tui.screens.attach import AttachScreen
from asst_tui.tui.screens.files_view import FilesScreen

from .helpers import SIZE, make_app, ready, sdk_client, wait_for


async def open_attach(pilot, start: Path) -> list:
    app = pilot.app
    results: list = []
    app.push_screen(AttachScreen(app.connection.backend, start), results.append)
    await wait_for(pilot, lambda: isinstance(app.screen, AttachScreen) and isinstance(app.focused, Input), what="attach screen")
    return results


async def test_attach_screen_uploads_with_progress_and_a_tool_per_file(home: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "big.txt").write_bytes(b"a line of notes\n" * 250_000)  # 4 MB
    (docs / "data.csv").write_text("x,y\n1,2\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        results = await open_attach(pilot, docs)
        screen = app.screen
        field = screen.query_one(Input)
        field.value = str(docs / "big.tx")
        await pilot.press("t", "enter")  # typed into the field, not taken as the switch-tool key
        field.value = str(docs / "nope.txt")
        await pilot.press("enter")
        assert "Not a file" in str(screen.query_one("#attach-status").render())
        tree = screen.query_one(DirectoryTree)
        tree.focus()
        await wait_for(pilot, lambda: tree.root.children, what="the tree")
        tree.move_cursor(next(node for node in tree.root.children if node.label.plain == "data.csv"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(screen.chosen) == 2, what="two files chosen")
        table = screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[2]) for i in range(2)] == ["file_search", "code_interpreter"]
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("t")
        await pilot.press("t")  # back to code_interpreter
        bar = screen.query_one(ProgressBar)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: results, what="the upload")
        [big, csv] = results[0]
        assert (big.name, big.tool, csv.name, csv.tool) == ("big.txt", "file_search", "data.csv", "code_interpreter")
        assert bar.total == 4_000_000 + 8 and bar.progress == bar.total
        client = sdk_client(app)
        assert (await client.files.retrieve(big.file_id)).bytes == 4_000_000
        await client.close()


async def test_files_view_shows_status_and_errors_and_removes_a_file(home: Path, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        client = sdk_client(app)
        good, bad = tmp_path / "guide.md", tmp_path / "empty.txt"
        good.write_text("# Guide\nPress F1 for help.\n")
        bad.write_bytes(b"")
        ids = [(await client.files.create(file=path, purpose="assistants")).id for path in (good, bad)]
        store = await client.vector_stores.create(name="manuals", file_ids=ids)
        csv = await client.files.create(file=("t.csv", b"a,b\n"), purpose="assistants")
        await client.beta.threads.update(app.thread_id, tool_resources={
            "file_search": {"vector_store_ids": [store.id]}, "code_interpreter": {"file_ids": [csv.id]}})
        app.push_screen(FilesScreen(app.connection.backend, app.thread_id, app.assistant["id"]))
        table = await table_of(pilot)

        def rows() -> list[list[str]]:
            return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]

        await wait_for(pilot, lambda: not any(r[4] == "in_progress" for r in rows()), what="ingest (refreshed while it runs)")
        rows = rows()
        assert ["thread", "code_interpreter", "t.csv", "", "ready", ""] in rows
        assert any(r[1] == "vector store manuals" and r[2] == "1 of 2 files ready" for r in rows)
        assert any(r[2] == "guide.md" and r[4] == "completed" for r in rows)
        [failed] = [r for r in rows if r[2] == "empty.txt"]
        assert failed[4] == "failed" and failed[5]
        table.move_cursor(row=rows.index(failed))
        await pilot.press("delete")
        await pilot.press("y")
        await wait_for(pilot, lambda: all(str(table.get_row_at(i)[2]) != "empty.txt" for i in range(table.row_count)), what="removal")
        assert [f.id for f in (await client.vector_stores.files.list(store.id)).data] == [ids[0]]
        table.move_cursor(row=0)
        await pilot.press("delete", "y")
        await wait_for(pilot, lambda: not (app.screen.resources["thread"].get("code_interpreter") or {}).get("file_ids"), what="ci removal")
        thread = await client.beta.threads.retrieve(app.thread_id)
        assert thread.tool_resources.code_interpreter.file_ids == []
        await client.close()


async def table_of(pilot) -> DataTable:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, FilesScreen) and app.screen.rows, what="files view")
    await asyncio.sleep(0)
    return app.screen.query_one(DataTable)
