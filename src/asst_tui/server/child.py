"""The embedded server as a child process of the TUI: `python -m asst_tui.server.child`.

The parent writes the ServerConfig as one JSON line on stdin and keeps stdin open for as long as it
wants the server. The child answers one JSON line on stdout, {"base_url": ...} once it accepts requests
or {"error": ...}, and serves until stdin reaches EOF (the parent closed it, or died), then stops the
way `EmbeddedServer.stop` does. Everything else it writes goes to stderr, which the parent points at the
server's log.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import traceback
from typing import IO

import uvicorn

from .config import ServerConfig
from .embed import base_url_for, bind_socket, make_uvicorn
from .lock import DataDirInUse
from .start_error import ServerStartError

# Start errors whose message says what is wrong; any other is a bug, and its traceback goes to the log.
EXPECTED = (ServerStartError, DataDirInUse, OSError, ValueError)


def main() -> int:
    answer = _answer_channel()
    line = sys.stdin.buffer.readline()
    if not line:
        return 0  # the parent went away before sending the settings
    try:
        config = ServerConfig.from_json(line)
        sock = bind_socket(config)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it as ServerStartError
        return _fail(answer, exc)
    base_url = base_url_for(*sock.getsockname()[:2])

    def started() -> None:
        _note(f"asst-tui server ({config.engine_label}) listening on {base_url}, pid {os.getpid()}, data dir {config.data_dir}")
        _note(f"code interpreter: {server.sandbox_label}")
        _say(answer, base_url=base_url, sandbox=server.sandbox_label)

    try:
        server = make_uvicorn(config, on_started=started, base_url=base_url)
    except Exception as exc:  # noqa: BLE001 - as above; the data dir is not locked when this fails
        sock.close()
        return _fail(answer, exc)
    with contextlib.suppress(OSError):  # stderr is the log: this start's only now that this process holds the data dir
        os.ftruncate(2, 0)
    threading.Thread(target=_stop_at_eof, args=(server,), name="asst-tui-lifeline", daemon=True).start()
    try:
        server.run(sockets=[sock])  # a failed startup exits without an answer: the parent points at the log
    finally:
        sock.close()
    _note("asst-tui server stopped.")
    return 0


def _note(line: str) -> None:
    """One line in the server's log (never a secret: the log is for reading)."""
    print(line, file=sys.stderr, flush=True)


def _answer_channel() -> IO[str]:
    """stdout, kept for the one answer; fd 1 then points at stderr, so a stray print goes to the log."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return channel


def _say(channel: IO[str], **answer: str) -> None:
    """Send the answer and close the channel; only the first answer counts."""
    if channel.closed:
        return
    with contextlib.suppress(OSError):  # the parent is gone: the lifeline stops the server
        channel.write(json.dumps(answer) + "\n")
        channel.close()


def _fail(channel: IO[str], exc: Exception) -> int:
    if not isinstance(exc, EXPECTED):
        traceback.print_exc()
    _say(channel, error=str(exc) if isinstance(exc, EXPECTED) else f"{type(exc).__name__}: {exc}")
    return 1


def _stop_at_eof(server: uvicorn.Server) -> None:
    """The parent holds stdin open while it wants the server: EOF means it closed it, or died."""
    sys.stdin.buffer.read()
    server.should_exit = True


if __name__ == "__main__":
    sys.exit(main())
