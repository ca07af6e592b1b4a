"""Run the server in a background thread (tests) or in the foreground (`asst-tui serve`, the TUI's server process)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from .app import ServerState, build_app
from .config import ServerConfig
from .lock import record_address
from .start_error import ServerStartError


def bind_socket(config: ServerConfig) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and without it
    # every response on a kept-alive connection waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise ServerStartError(f"Can't listen on {config.host}:{config.port}: {exc.strerror or exc}. Pick another --port (0 = any free port).") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def base_url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class _Server(uvicorn.Server):
    """uvicorn waits for open connections before the app's shutdown: end the runs (and so their
    SSE streams, which then finish with thread.run.failed) first, so stopping never hangs on a stream.

    `on_started` is called once the server accepts requests; `sandbox_label` says which code interpreter sandbox it runs."""

    def __init__(self, config: uvicorn.Config, state: ServerState, on_started: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self.state = state
        self._on_started = on_started
        self.sandbox_label = state.sandbox.isolation.label

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self._on_started is not None:
            self._on_started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.state.runs.shutdown()
        await super().shutdown(sockets)


def make_uvicorn(config: ServerConfig, on_started: Callable[[], None] | None = None, *, base_url: str = "") -> _Server:
    """The server for `config`; `base_url` (where its socket listens) goes into the data dir's lock file."""
    state = ServerState(config)
    if base_url:
        record_address(state.data_lock, base_url)
    settings = uvicorn.Config(build_app(state), log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=3)
    return _Server(settings, state, on_started)


class EmbeddedServer:
    """A running server; `base_url` ends in /v1, `stop()` shuts it down cleanly.

    `state` is the server's own parts (storage, runs), for the program that embeds it: the fault tests
    reach its store through it."""

    def __init__(self, server: _Server, thread: threading.Thread, sock: socket.socket) -> None:
        self._server = server
        self.state = server.state
        self._thread = thread
        self._sock = sock
        self.host, self.port = sock.getsockname()[:2]
        self.base_url = base_url_for(self.host, self.port)
        self.sandbox_label = server.sandbox_label

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()


def start_server(config: ServerConfig, ready_timeout: float = 20.0) -> EmbeddedServer:
    """Start a server in a daemon thread and wait until it accepts requests."""
    # Bind first: building the app opens the store and locks the data dir, and a failed bind must not
    # leave that lock held by a half-built server (a retry on another port would find the dir "in use").
    sock = bind_socket(config)
    try:
        server = make_uvicorn(config, base_url=base_url_for(*sock.getsockname()[:2]))
    except BaseException:
        sock.close()
        raise
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the starting thread below
            failure.append(exc)

    thread = threading.Thread(target=serve, name="asst-tui-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if failure or not thread.is_alive():
            sock.close()
            raise ServerStartError(f"The embedded server failed to start: {failure[0] if failure else 'it exited'}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise ServerStartError("The embedded server did not start in time.")
        time.sleep(0.01)
    return EmbeddedServer(server, thread, sock)
