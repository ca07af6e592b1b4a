"""Settings of one embedded server instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8766  # 0 = any free port
    engine: str = "demo"
    demo_delay_ms: int = 15  # per word; 0 = as fast as possible
    api_key: str | None = None  # when set, every request needs it
    run_expiry_seconds: int = 600
    sandbox_timeout_s: float = 30.0
    sandbox_memory_mb: int = 1024
    sandbox_max_log_chars: int = 20_000

    @property
    def is_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")
