"""Rich markup and terminal escape sequences in data are shown literally, never interpreted."""

from __future__ import annotations

import html
import re

from asst_tui.tui.widgets.sidebar import ThreadList

from .helpers import SIZE, assistant_texts, make_app, ready, run_done, send

MARKUP = "[bold red]x[/]"
LINK = "[link=https://e.vil]y[/link]"
ANSI = "\x1b[31mred"
OSC8 = "\x1b]8;;https://e.vil\x1b\\click\x1b]8;;\x1b\\"


def screen_text(app) -> str:
    """The visible characters of the current screen, from its SVG export."""
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return html.unescape("".join(texts)).replace("\xa0", " ")


async def test_injection_strings_are_shown_literally(home):
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        await send(pilot, f"{MARKUP} {LINK} {ANSI} {OSC8}")
        await run_done(pilot)
        assert MARKUP in assistant_texts(app)[-1]  # the demo echoes the message
        shown = screen_text(app)
        assert MARKUP in shown
        assert LINK in shown
        assert "␛[31mred" in shown
        assert "␛]8;;https://e.vil␛" in shown
        assert "e.vil" not in "".join(re.findall(r'href="([^"]*)"', app.export_screenshot()))
        options = app.query_one(ThreadList)
        title = str(options.get_option_at_index(0).prompt)
        assert title.startswith(f"▸ {MARKUP} [link=")
