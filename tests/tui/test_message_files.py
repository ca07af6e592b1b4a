"""Files that messages carry: a sent message shows its attachments in the chat, and the Files view lists
what messages attached for the code interpreter and what the code interpreter wrote."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable

from asst_tui.tui.attachments import Attachment
from asst_tui.tui.screens.files_view import FilesScreen

from .helpers import SIZE, make_app, ready, run_done, screen_text, send, wait_for

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1a5ee0000000049454e44ae426082"
)


async def test_a_sent_message_shows_its_attachment_and_the_files_view_lists_it_and_the_image(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "sales.csv"
    data.write_text("month,total\njan,3\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        uploaded = await app.connection.backend.upload_file(data)
        app.set_attachments((Attachment(uploaded["id"], "sales.csv", "code_interpreter"),))
        await send(pilot, f"```python\nopen('plot.png', 'wb').write(bytes.fromhex('{PNG.hex()}'))\n```")
        await run_done(pilot)
        [user] = [entry for entry in app.chat.entries if entry.role == "user"]
        assert [ref.file_id for ref in user.files] == [uploaded["id"]]
        assert user.files[0].label == "attached sales.csv (code interpreter)"
        await wait_for(pilot, lambda: "⤓ attached sales.csv" in screen_text(app), what="the attachment in the chat")
        thread_id = app.thread_id
        await app.open_thread(thread_id)  # reopened: still shown
        await wait_for(pilot, lambda: any(e.files for e in app.chat.entries if e.role == "user"), what="after reopening")

        app.push_screen(FilesScreen(app.connection.backend, app.thread_id, app.assistant["id"]))
        await wait_for(pilot, lambda: isinstance(app.screen, FilesScreen) and app.screen.query(DataTable)
                       and app.screen.query_one(DataTable).row_count > 1, what="the files view")
        await asyncio.sleep(0)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert any(r[2] == "sales.csv" and "attached to a message" in r[1] and "code_interpreter" in r[1] for r in rows), rows
        assert any(r[2] == "plot.png" and "written by the code interpreter" in r[1] for r in rows), rows
