"""Regenerate screenshots/*.svg from the real app on the embedded server (demo engine).

Run: python scripts/make_screenshots.py [--size 140x45] [--suffix ""]
     (uses a throw-away ASST_TUI_HOME; touches nothing else). `--size 80x24 --suffix=-80x24` writes the
     small-terminal set beside the default one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from argparse import Namespace
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SIZE = (140, 45)


GRADIENT_PNG = """```python
import struct, zlib
w, h = 320, 160
rows = b''.join(b'\\x00' + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, 160)) for y in range(h))
chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
header = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')
open('gradient.png', 'wb').write(png)
```"""


async def wait_for(pilot, condition, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.05)


async def send(pilot, text: str) -> None:
    pilot.app.prompt.text = text
    await pilot.press("enter")


async def shoot(size: tuple[int, int], suffix: str) -> None:
    from asst_tui.config import load_config
    from asst_tui.tui import inline_images
    from asst_tui.tui.app import AsstApp
    from asst_tui.tui.inline_images import ImagePreview
    from asst_tui.tui.screens.thread_switcher import ThreadSwitcher
    from asst_tui.tui.screens.tool_outputs import ToolOutputsScreen

    config, problems = load_config()
    if not inline_images.prepare():
        raise SystemExit("the inline-image screenshot needs the images extra: pip install -e '.[images]'")
    options = Namespace(profile=None, base_url=None, assistant=None, thread=None, theme=None)
    app = AsstApp(config, problems, options)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.ready and app.flow is None)
        app.prompt.cursor_blink = False

        await send(pilot, "```python\nimport math\nfor n in range(1, 6):\n    print(n, math.factorial(n))\n```")
        await wait_for(pilot, lambda: app.ready and app.flow is None)
        await pilot.pause(0.3)
        app.save_screenshot(f"code-interpreter-panel{suffix}.svg", str(OUT))

        app.action_toggle_panel()
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.registry.threads(app.identity)) == 2)
        await send(pilot, 'get_current_temperature {"location": "Paris, France", "unit": "celsius"}')
        await wait_for(pilot, lambda: isinstance(app.screen, ToolOutputsScreen))
        await pilot.press(*'{"temperature": 21, "unit": "celsius"}')
        await pilot.pause(0.3)
        app.save_screenshot(f"function-call-prompt{suffix}.svg", str(OUT))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.flow is None)

        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.registry.threads(app.identity)) == 3)
        await send(pilot, "/lorem 600")
        await wait_for(pilot, lambda: app.status_line.status == "in_progress")
        await pilot.pause(2.0)
        app.save_screenshot(f"main-streaming{suffix}.svg", str(OUT))
        await wait_for(pilot, lambda: app.flow is None, timeout=60)

        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.registry.threads(app.identity)) == 4)
        await send(pilot, GRADIENT_PNG)
        await wait_for(pilot, lambda: app.flow is None and any(p.drawn for p in app.chat.query(ImagePreview)))
        await pilot.pause(0.3)
        app.save_screenshot(f"inline-image{suffix}.svg", str(OUT))

        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadSwitcher))
        await pilot.press(*"par")
        await pilot.pause(0.3)
        app.save_screenshot(f"thread-switcher{suffix}.svg", str(OUT))


def main() -> int:
    parser = argparse.ArgumentParser(description="Regenerate screenshots/*.svg from the real app.")
    parser.add_argument("--size", default=f"{SIZE[0]}x{SIZE[1]}", help="terminal size, COLUMNSxROWS (default %(default)s)")
    parser.add_argument("--suffix", default="", help="added to each file name, e.g. -80x24")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as home:
        os.environ["ASST_TUI_HOME"] = home
        config = Path(home) / "config" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text('[profiles.local]\nkind = "local"\ndemo_delay_ms = 20\n')
        asyncio.run(shoot((width, height), args.suffix))
    for path in sorted(OUT.glob(f"*{args.suffix}.svg")):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
