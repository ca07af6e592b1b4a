"""Settings of one embedded server instance."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MIB = 1024 * 1024
OPENAI_UPSTREAM = "https://api.openai.com/v1"
OPENAI_KEY_ENV = "OPENAI_API_KEY"


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path  # the server's own dir (its lock, the sandbox's workers; and with SQLite its databases and files)
    database: str | None = field(default=None, repr=False)  # a postgresql:// URL (it may hold a password); None = SQLite in data_dir
    files_dir: Path | None = None  # where file bytes live: data_dir/files unless given (a dir every server process reaches)
    host: str = "127.0.0.1"
    port: int = 8766  # 0 = any free port
    engine: str = "demo"
    demo_delay_ms: int = 15  # per word; 0 = as fast as possible
    api_key: str | None = field(default=None, repr=False)  # when set, every request needs it (or a key of keys_file); it opens the default project
    keys_file: Path | None = None  # the keys file (core/keys_file.py): each key opens its project; re-read when it changes
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
    allowed_hosts: tuple[str, ...] = ()  # Host names answered besides the server's own address (allowed_host())
    cors_origins: tuple[str, ...] = ()  # web origins whose pages may call the server (cors_origin())
    max_body_bytes: int = 16 * MIB  # a JSON request body
    max_upload_bytes: int = 512 * MIB  # one uploaded file, as the hosted API allowed

    @property
    def files_path(self) -> Path:
        """Where file bytes live."""
        return self.files_dir if self.files_dir is not None else self.data_dir / "files"

    @property
    def needs_key(self) -> bool:
        """Whether every request must bring a key (a server key or a keys file is set)."""
        return bool(self.api_key) or self.keys_file is not None

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
        paths = {name: str(getattr(self, name)) if getattr(self, name) is not None else None for name in ("keys_file", "files_dir")}
        return json.dumps({**values, **paths, "data_dir": str(self.data_dir), "model_map": dict(self.model_map)})

    @classmethod
    def from_json(cls, line: str | bytes) -> ServerConfig:
        values = json.loads(line)
        lists = {name: tuple(values[name]) for name in ("allowed_hosts", "cors_origins") if name in values}
        paths = {name: Path(values[name]) if values.get(name) is not None else None for name in ("keys_file", "files_dir")}
        return cls(**{**values, **lists, **paths, "data_dir": Path(values["data_dir"])})


def split_host(value: str) -> tuple[str, str | None]:
    """A Host header (or --allowed-host value) as (lower-case name, port text or None): 'localhost:8766', '[::1]:80', '::1'."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else None
    if value.count(":") == 1:
        name, _, port = value.partition(":")
        return name, port
    return value, None


def allowed_host(value: str) -> str:
    """An --allowed-host value: 'name' or 'name:port', lower case; ValueError if it is neither."""
    name, port = split_host(value)
    if not name or any(c in name for c in "/@\\ *") or (port is not None and not port.isdigit()):
        raise ValueError(f"--allowed-host takes a host name, optionally with a port (assistants.example.com or localhost:3000), got {value!r}")
    return value.strip().lower()


def cors_origin(value: str) -> str:
    """A --cors-origin value as browsers send an Origin: 'scheme://host[:port]', lower case; ValueError if it isn't one."""
    origin = value.strip().rstrip("/").lower()
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme not in ("http", "https") or not rest or any(c in rest for c in "/@*?# "):
        raise ValueError(f"--cors-origin takes a web origin like http://localhost:3000 (scheme, host and port; no path, no wildcard), got {value!r}")
    return origin


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
