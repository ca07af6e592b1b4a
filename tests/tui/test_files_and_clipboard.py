"""Saving a code-interpreter image with its key, and copying the last reply."""

from __future__ import annotations

from asst_tui import paths
from asst_tui.tui.widgets.tool_calls import FileItem

from .helpers import SIZE, assistant_texts, make_app, notifications, ready, run_done, send, wait_for

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000003000000020800000000b81f39c60000001049444154789c"
    "6360d0086008a8580000050801e10512db850000000049454e44ae426082"
)


async def test_an_image_output_is_saved_byte_for_byte_with_its_key(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, f"```python\nopen('dots.png', 'wb').write(bytes.fromhex('{PNG.hex()}'))\n```")
        await run_done(pilot)
        [item] = app.run_panel.query(FileItem)
        item.focus()
        await pilot.press("s")
        downloads = paths.downloads_dir()
        await wait_for(pilot, lambda: downloads.is_dir() and any(downloads.iterdir()), what="the saved file")
        [saved] = downloads.iterdir()
        assert saved.name == "dots.png"
        assert saved.read_bytes() == PNG
        assert any(str(saved) in note for note in notifications(app))
        await pilot.press("enter")  # again: a second file, never an overwrite
        await wait_for(pilot, lambda: len(list(downloads.iterdir())) == 2, what="the second copy")
        assert (downloads / "dots (2).png").read_bytes() == PNG


async def test_f9_copies_the_last_reply(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f9")
        assert app.clipboard == "" and "No reply to copy yet." in notifications(app)
        await send(pilot, "first")
        await run_done(pilot)
        await send(pilot, "/lorem 40")
        await run_done(pilot)
        await pilot.press("f9")
        first, last = assistant_texts(app)
        assert app.clipboard == last and len(last.split()) >= 40 and "first" in first
