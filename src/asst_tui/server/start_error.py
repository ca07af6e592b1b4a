"""The error a server start raises, whether in a thread (`start_server`) or a child process (`spawn_server`)."""

from __future__ import annotations


class ServerStartError(RuntimeError):
    """The server could not start (port taken, data dir locked by another server, ...)."""
