"""`asst-tui serve`: the embedded Assistants v2 server in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import paths

SERVER_KEY_ENV = "ASST_TUI_SERVER_KEY"


def run_serve(args: argparse.Namespace) -> int:
    from .server.config import ServerConfig
    from .server.embed import ServerStartError, base_url_for, make_uvicorn, bind_socket
    from .server.lock import DataDirInUse

    api_key = args.api_key or os.environ.get(SERVER_KEY_ENV) or None
    fields = {"demo_delay_ms": args.demo_delay_ms} if args.demo_delay_ms is not None else {}
    if args.demo_delay_ms is not None and args.demo_delay_ms < 0:
        print("asst-tui serve: --demo-delay-ms must be 0 or more.", file=sys.stderr)
        return 2
    config = ServerConfig(
        data_dir=Path(args.data_dir).expanduser() if args.data_dir else paths.server_data_dir(),
        host=args.host,
        port=args.port,
        engine=args.engine,
        api_key=api_key,
        **fields,
    )
    if not config.is_loopback and not api_key:
        print(
            f"asst-tui serve: refusing to listen on {args.host} without a server key: anyone who can reach it "
            f"could use it. Pass --api-key KEY or set {SERVER_KEY_ENV}.",
            file=sys.stderr,
        )
        return 2
    try:
        sock = bind_socket(config)  # before the app: a taken port must not first lock the data dir
    except ServerStartError as exc:
        print(f"asst-tui serve: {exc}", file=sys.stderr)
        return 1
    try:
        server = make_uvicorn(config)
    except DataDirInUse as exc:
        sock.close()
        print(f"asst-tui serve: {exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    print(f"asst-tui server ({config.engine} engine) listening on {base_url_for(host, port)}", flush=True)
    print(f"data dir: {config.data_dir}   (Ctrl+C to stop)", flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("asst-tui server stopped.", flush=True)
    return 0
