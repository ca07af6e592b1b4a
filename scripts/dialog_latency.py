"""How long each dialog key takes to show its dialog, and a theme switch its repaint, in the real app (headless).

Run: python scripts/dialog_latency.py [--rounds N]   (a throw-away ASST_TUI_HOME, the embedded server, demo engine)
Prints one line per key: the median and worst milliseconds from the key to the first painted frame that
shows the dialog, and how many frames were painted in between (0: the dialog is the key's first frame).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEYS = (("f7", "RunOverridesScreen"), ("f1", "HelpScreen"), ("ctrl+p", "CommandPalette"), ("f12", "RunInspectorScreen"),
        ("shift+f4", "AssistantsScreen"), ("f11", "FilesScreen"), ("ctrl+t", "ThreadSwitcher"), ("f4", "PickerScreen"))


async def measure(rounds: int) -> None:
    from asst_tui.config import load_config
    from asst_tui.tui.app import AsstApp
    from asst_tui.tui.textual_compat import after_each_frame

    config, problems = load_config()
    app = AsstApp(config, problems, Namespace(profile=None, base_url=None, assistant=None, thread=None, theme=None))
    frames: list[tuple[float, str]] = []
    async with app.run_test(size=(120, 36)) as pilot:
        after_each_frame(app, lambda screen: frames.append((time.perf_counter(), type(screen).__name__)))
        while not (app.ready and app.flow is None):
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        for key, name in KEYS:
            took, between = [], []
            for _ in range(rounds):
                frames.clear()
                start = time.perf_counter()
                await pilot.press(key)
                while not any(shown == name for _, shown in frames):
                    await pilot.pause(0.005)
                    if time.perf_counter() - start > 10:
                        raise TimeoutError(key)
                first = next(i for i, (_, shown) in enumerate(frames) if shown == name)
                took.append((frames[first][0] - start) * 1000)
                between.append(first)
                await pilot.pause(0.3)
                await pilot.press("escape")
                while type(app.screen).__name__ == name:
                    await pilot.pause(0.02)
                await pilot.pause(0.2)
            print(f"{key:9} {name:20} median {statistics.median(took):6.0f} ms  worst {max(took):6.0f} ms  "
                  f"frames before it {max(between)}")
        took = []
        for theme in ("textual-light", "asst-dark") * rounds:
            frames.clear()
            start = time.perf_counter()
            app.theme = theme
            while not frames:
                await pilot.pause(0.005)
            await pilot.pause(0.3)
            took.append((frames[0][0] - start) * 1000)
        print(f"theme switch: first repaint median {statistics.median(took):.0f} ms, worst {max(took):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["ASST_TUI_HOME"] = tempfile.mkdtemp(prefix="asst-dialogs-")
    os.environ.pop("OPENAI_API_KEY", None)
    sys.path.insert(0, str(ROOT / "src"))
    asyncio.run(measure(args.rounds))


if __name__ == "__main__":
    main()
