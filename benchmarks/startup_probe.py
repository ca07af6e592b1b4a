"""Inside a pty: start asst-tui (or a bare Textual app), note the first painted frame and what was imported by then.

    python benchmarks/startup_probe.py {asst,bare} OUT.json

Run as a file, not with -m, so that nothing but this probe is imported before the app's own imports.
The frame is timed (perf_counter, the same monotonic clock as the caller's) when App._display returns
with the first update; then the process exits at once.
"""

import json
import os
import sys
import time


def main(kind: str, out: str) -> None:
    from textual.app import App

    original = App._display

    def display(self, screen, renderable):
        original(self, screen, renderable)
        if renderable is not None and not self._batch_count:
            now = time.perf_counter()
            loaded = {name: name in sys.modules for name in ("openai", "asst_tui.server", "asst_tui.client.backend")}
            with open(out, "w", encoding="utf-8") as handle:
                json.dump({"first_frame": now, "modules": loaded}, handle)
            os._exit(0)

    App._display = display
    if kind == "asst":
        from asst_tui.cli import main as asst_tui

        asst_tui([])
    else:
        from textual.widgets import Static

        class Bare(App):
            def compose(self):
                yield Static("bare Textual app")

        Bare().run()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
