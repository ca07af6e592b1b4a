"""Inside a pty: run asst-tui or the baseline view with its real terminal driver, stream one reply, write the figures.

    python -m benchmarks.pty_child {asst,baseline} WORDS OUT.json   (ASST_TUI_HOME set by the caller)
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any


def main(kind: str, words: int, out: Path) -> None:
    from . import stream_scenarios
    from .baseline_app import BaselineChat
    from .fixtures import make_app

    app = make_app() if kind == "asst" else BaselineChat()
    scenario = stream_scenarios.asst if kind == "asst" else stream_scenarios.baseline
    result: dict[str, Any] = {}

    async def drive(pilot: Any) -> None:
        try:
            result.update(await scenario(app, words))
        except Exception:  # noqa: BLE001 - reported to the parent, which cannot see this terminal
            result["error"] = traceback.format_exc()
        app.exit()

    app.run(auto_pilot=drive)
    out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
