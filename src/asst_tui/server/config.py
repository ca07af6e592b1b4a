"""Settings of one embedded server instance."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
OPENAI_UPSTREAM = "https://api.openai.com/v1"
OPENAI_KEY_ENV = "OPENAI_API_KEY"


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8766  # 0 = any free port
    engine: str = "demo"
    demo_delay_ms: int = 15  # per word; 0 = as fast as possible
    api_key: str | None = None  # when set, every request needs it
    run_expiry_seconds: int = 600
    sandbox: str | None = None  # "isolated" (bubblewrap), "process", or None: isolated where bubblewrap works, else process
    allow_unisolated_code: bool = False  # let a `process` sandbox serve beyond loopback
    sandbox_timeout_s: float = 30.0
    sandbox_memory_mb: int = 1024  # per worker: its processes together, and each one's address space
    sandbox_disk_mb: int = 1024  # per worker: its working dir (its /tmp included)
    sandbox_max_log_chars: int = 20_000
    upstream_base_url: str | None = None  # the chat engine's Chat Completions server, ending in /v1
    upstream_api_key: str | None = field(default=None, repr=False)  # resolved from the environment; never stored
    model_map: Mapping[str, str] = field(default_factory=dict)  # assistant model -> upstream model
    upstream_timeout_s: float = 120.0  # connect, and longest wait for the upstream's next bytes

    @property
    def is_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")

    @property
    def engine_label(self) -> str:
        """Which engine, and for `chat` which upstream: 'chat engine, upstream http://127.0.0.1:11434/v1'."""
        if self.engine == "chat" and self.upstream_base_url:
            return f"chat engine, upstream {public_url(self.upstream_base_url)}"
        return f"{self.engine} engine"

    def to_json(self) -> str:
        """Every setting as one line of JSON, secrets included: for the pipe to the server's own process only."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return json.dumps({**values, "data_dir": str(self.data_dir), "model_map": dict(self.model_map)})

    @classmethod
    def from_json(cls, line: str | bytes) -> ServerConfig:
        values = json.loads(line)
        return cls(**{**values, "data_dir": Path(values["data_dir"])})


def public_url(url: str) -> str:
    """The URL without user:password@, query or fragment: safe to show and log."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")


def chat_upstream(base_url: str | None, key_env: str | None, environ: Mapping[str, str]) -> tuple[str, str | None]:
    """The chat engine's upstream URL and key; ValueError says what is missing.

    No URL: OpenAI, when OPENAI_API_KEY is set. That variable goes only to OpenAI: any other upstream
    gets a key only from the variable `key_env` names, so a key never reaches a server it wasn't meant for.
    """
    key = None
    if key_env:
        key = _env_key(environ, key_env)
        if key is None:
            raise ValueError(f"the environment variable {key_env} (the upstream API key) is not set")
    url = base_url or OPENAI_UPSTREAM
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the upstream base URL must be an http(s) URL like http://127.0.0.1:11434/v1, got {public_url(url)!r}")
    if key is None and parts.hostname == urlsplit(OPENAI_UPSTREAM).hostname:
        key = _env_key(environ, OPENAI_KEY_ENV)
    if not base_url and key is None:
        raise ValueError(
            "the chat engine needs an upstream: pass --upstream-base-url URL "
            "(e.g. http://127.0.0.1:11434/v1 for Ollama), or set OPENAI_API_KEY to use OpenAI"
        )
    return url, key


def local_engine(
    engine: str | None,
    upstream_base_url: str | None,
    upstream_api_key_env: str | None,
    model_map: Mapping[str, str] | None,
    environ: Mapping[str, str],
) -> dict[str, Any]:
    """ServerConfig fields for the `local` profile's engine; ValueError says what is wrong.

    No engine named: `chat` when an upstream URL is configured or OPENAI_API_KEY is set, else `demo`.
    """
    if engine is None:
        engine = "chat" if upstream_base_url or _env_key(environ, OPENAI_KEY_ENV) else "demo"
    if engine != "chat":
        return {"engine": engine}
    url, key = chat_upstream(upstream_base_url, upstream_api_key_env, environ)
    return {"engine": "chat", "upstream_base_url": url, "upstream_api_key": key, "model_map": dict(model_map or {})}


def _env_key(environ: Mapping[str, str], name: str) -> str | None:
    """A key from the environment without the whitespace a paste leaves; None when unset or blank."""
    return (environ.get(name) or "").strip() or None
