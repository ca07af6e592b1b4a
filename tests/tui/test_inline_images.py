"""Images a reply carries are drawn in the chat with textual-image, and stay saved-file links without it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from asst_tui.tui import inline_images
from asst_tui.tui.inline_images import ImageBytes, ImagePreview, UnreadableImage, decode, fit
from asst_tui.tui.widgets.half_block_image import HalfBlockImage
from asst_tui.tui.widgets.chat_message import FileLink

from .helpers import SIZE, make_app, ready, run_done, screen_text, send, wait_for


def png(width: int, height: int, mode: str = "RGB", colour: object = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, "PNG")
    return out.getvalue()


async def code_writes(pilot, name: str, data: bytes) -> None:
    """Once the app is ready, send a code block that writes `name` in the code interpreter; wait for the reply."""
    await ready(pilot)
    await send(pilot, f"```python\nopen({name!r}, 'wb').write(bytes.fromhex('{data.hex()}'))\n```")
    await run_done(pilot)


@pytest.fixture
def with_images(monkeypatch: pytest.MonkeyPatch) -> None:
    """textual-image loaded for this test only (other tests, snapshots included, see links)."""
    monkeypatch.setattr(inline_images, "_image_widget", None)  # both put back after the test
    monkeypatch.setattr(inline_images, "_cell_pixels", inline_images._cell_pixels)
    assert inline_images.prepare(), "Pillow (the images extra) is in the test extra"


async def test_an_image_output_is_drawn_under_its_link(home, with_images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await code_writes(pilot, "chart.png", png(300, 120))
        await wait_for(pilot, lambda: app.chat.query(ImagePreview), what="the image preview")
        [preview] = app.chat.query(ImagePreview)
        await wait_for(pilot, lambda: preview.drawn is not None and preview.drawn.is_mounted, what="the drawn image")
        [link] = app.chat.query(FileLink)
        assert link.ref.image and link.ref.file_id == preview.file_id
        image = preview.drawn
        assert isinstance(image, HalfBlockImage)  # not a terminal here: coloured half blocks
        columns, rows = fit((300, 120), preview.content_size.width)
        assert (image.styles.width.value, image.styles.height.value) == (columns, rows)
        assert 1 < rows <= inline_images.MAX_ROWS and image.size.height == rows
        assert "drawing the image" not in screen_text(app)
        assert app.image_bytes is not None and app.image_bytes.get(preview.file_id) is not None


async def test_a_file_that_is_not_an_image_says_so_and_keeps_its_link(home, with_images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await code_writes(pilot, "broken.png", b"\x89PNG but not really")
        await wait_for(pilot, lambda: "can't draw this image" in screen_text(app), what="the reason")
        [preview] = app.chat.query(ImagePreview)
        assert preview.drawn is None
        assert len(app.chat.query(FileLink)) == 1


async def test_without_textual_image_an_image_is_a_link_only(home, monkeypatch) -> None:
    monkeypatch.setattr(inline_images, "_image_widget", None)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await code_writes(pilot, "chart.png", png(40, 20))
        await wait_for(pilot, lambda: app.chat.query(FileLink), what="the file link")
        assert not app.chat.query(ImagePreview)
        assert "Enter saves it" in screen_text(app)


def test_fit_keeps_the_aspect_and_the_bounds(monkeypatch) -> None:
    monkeypatch.setattr(inline_images, "_cell_pixels", (10, 20))
    assert fit((100, 40), 80) == (20, 4)  # small: enlarged to MIN_ROWS, the aspect kept
    assert fit((1000, 1000), 80) == (32, 16)  # tall: 16 rows at most, width by the aspect
    assert fit((4000, 200), 80) == (80, 2)  # wide: the pane's width
    assert fit((3, 2), 80) == (12, 4)
    assert fit((2000, 10), 80) == (80, 1)  # a thin strip: the pane's width caps the enlargement


def test_a_small_image_is_sized_from_its_pixels_and_the_cell_size(monkeypatch) -> None:
    monkeypatch.setattr(inline_images, "_cell_pixels", (8, 16))
    assert fit((64, 32), 80) == (16, 4)  # 8x2 cells by its pixels, enlarged to 4 rows
    monkeypatch.setattr(inline_images, "_cell_pixels", (16, 32))  # a HiDPI terminal's cells
    assert fit((64, 32), 80) == (16, 4)  # was 4x1
    assert fit((64, 32), 10) == (10, 2)  # never wider than the pane (the aspect kept)
    assert fit((640, 320), 200) == (40, 10)  # large enough: its own size


async def test_a_64x32_png_is_drawn_large_enough_to_see(home, with_images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await code_writes(pilot, "small.png", png(64, 32))
        await wait_for(pilot, lambda: app.chat.query(ImagePreview), what="the image preview")
        [preview] = app.chat.query(ImagePreview)
        await wait_for(pilot, lambda: preview.drawn is not None and preview.drawn.is_mounted, what="the drawn image")
        await pilot.pause(0.1)
        assert preview.drawn.size.height >= 4 and preview.drawn.size.width >= 8
        assert preview.drawn.size.width <= app.chat.size.width


def test_decode_flattens_transparency_and_refuses_what_it_cannot_read() -> None:
    image, size = decode(png(30, 10, "RGBA", (0, 0, 0, 0)))
    assert size == (30, 10) and image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)
    with pytest.raises(UnreadableImage):
        decode(b"not an image")
    with pytest.raises(UnreadableImage, match="too large to draw"):
        decode(png(8000, 6000, "1", 0))


def test_image_bytes_keeps_the_newest_within_its_limit() -> None:
    cache = ImageBytes(limit=10)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # a is now the newest
    cache.put("c", b"1234")
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None


async def test_a_missing_file_shows_the_servers_reason_as_plain_text(home, with_images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        gone = {"type": "image_file", "image_file": {"file_id": "file-[bold]gone[/]"}}
        await app.chat.show_messages([{"id": "msg_1", "role": "assistant", "content": [gone]}], False)

        def reasons() -> list[str]:
            return [line for line in screen_text(app).splitlines() if "gone" in line and "⤓" not in line]

        await wait_for(pilot, reasons, what="the server's reason")
        [reason] = reasons()
        assert "file-[bold]gone[/]" in reason and "drawing the image" not in screen_text(app)  # literally: no markup, the whole id
