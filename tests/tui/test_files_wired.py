"""Attach through Shift+F2, send, footnotes name the file; the header shows the engine."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from asst_tui.tui.screens.attach import AttachScreen

from .helpers import SIZE, assistant_texts, make_app, ready, run_done, sdk_client, send, wait_for


async def test_attached_file_goes_with_the_message_and_the_footnote_names_it(home: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Launch\nThe launch code is blue.\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "demo engine" in str(app.status_line.render())
        await pilot.press("shift+f2")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachScreen) and isinstance(app.focused, Input), what="attach")
        app.screen.query_one(Input).value = str(notes)
        await pilot.press("enter", "ctrl+s")
        await wait_for(pilot, lambda: app.pending_attachments, what="the upload")
        assert "notes.md (file_search)" in str(app.status_line.render())
        await send(pilot, "What is the launch code?")
        await run_done(pilot)
        assert app.pending_attachments == ()
        client = sdk_client(app)
        [user, _] = (await client.beta.threads.messages.list(app.thread_id, order="asc")).data
        [attachment] = user.attachments
        assert attachment.tools[0].type == "file_search" and attachment.file_id
        assert "`notes.md`: “" in assistant_texts(app)[-1]
        await client.close()
