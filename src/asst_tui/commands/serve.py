"""`asst-tui serve`: the embedded Assistants v2 server in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .. import paths

SERVER_KEY_ENV = "ASST_TUI_SERVER_KEY"
DATABASE_ENV = "ASST_TUI_DATABASE_URL"


def run_serve(args: argparse.Namespace) -> int:
    from ..server.config import ServerConfig
    from ..server.core.keys_file import KeysFileError
    from ..server.embed import ServerStartError, base_url_for, make_uvicorn, bind_socket
    from ..server.lock import DataDirInUse
    from ..server.storage.errors import DatabaseUnavailable, NewerDatabase
    from ..server.storage.postgres import shown_url

    api_key = args.api_key or os.environ.get(SERVER_KEY_ENV) or None
    fields = {"demo_delay_ms": args.demo_delay_ms} if args.demo_delay_ms is not None else {}
    if args.demo_delay_ms is not None and args.demo_delay_ms < 0:
        print("asst-tui serve: --demo-delay-ms must be 0 or more.", file=sys.stderr)
        return 2
    try:
        fields.update(_chat_fields(args))
        fields.update(_guard_fields(args))
        fields.update(_storage_fields(args))
    except ValueError as exc:
        print(f"asst-tui serve: {exc}.", file=sys.stderr)
        return 2
    config = ServerConfig(
        data_dir=Path(args.data_dir).expanduser() if args.data_dir else paths.server_data_dir(),
        host=args.host,
        port=args.port,
        engine=args.engine,
        api_key=api_key,
        keys_file=Path(args.keys_file).expanduser().absolute() if args.keys_file else None,
        sandbox=args.sandbox,
        allow_unisolated_code=args.allow_unisolated_code,
        **fields,
    )
    if not config.is_loopback and not config.needs_key:
        print(
            f"asst-tui serve: refusing to listen on {args.host} without a server key: anyone who can reach it "
            f"could use it. Pass --keys-file FILE (see 'asst-tui keys'), --api-key KEY, or set {SERVER_KEY_ENV}.",
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
    except DatabaseUnavailable as exc:
        sock.close()
        print(f"asst-tui serve: {exc}", file=sys.stderr)
        return 2
    except (DataDirInUse, KeysFileError, NewerDatabase, ServerStartError) as exc:
        sock.close()
        print(f"asst-tui serve: {exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    print(f"asst-tui server ({config.engine_label}) listening on {base_url_for(host, port)}", flush=True)
    if config.keys_file is not None:
        print(f"keys file: {config.keys_file}   (each key opens its project; changes apply at once)", flush=True)
    print(f"code interpreter: {server.sandbox_label}", file=sys.stderr, flush=True)
    if config.database is not None:
        print(f"database: {shown_url(config.database)}   files: {config.files_path}", flush=True)
    print(f"data dir: {config.data_dir}   (Ctrl+C to stop)", flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("asst-tui server stopped.", flush=True)
    return 0


def _chat_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The chat engine's settings from the command line and the environment; ValueError says what is wrong."""
    from ..server.config import chat_upstream

    chat_options = args.upstream_base_url or args.upstream_api_key_env or args.model_map or args.upstream_timeout_s is not None
    if args.engine != "chat":
        if chat_options:
            raise ValueError("--upstream-base-url, --upstream-api-key-env, --model-map and --upstream-timeout-s need --engine chat")
        return {}
    url, key = chat_upstream(args.upstream_base_url, args.upstream_api_key_env, os.environ)
    model_map = {}
    for item in args.model_map:
        model, sep, upstream_model = item.partition("=")
        if not sep or not model.strip() or not upstream_model.strip():
            raise ValueError(f"--model-map takes MODEL=UPSTREAM_MODEL, got {item!r}")
        model_map[model.strip()] = upstream_model.strip()
    fields: dict[str, Any] = {"upstream_base_url": url, "upstream_api_key": key, "model_map": model_map}
    if args.upstream_timeout_s is not None:
        if args.upstream_timeout_s <= 0:
            raise ValueError("--upstream-timeout-s must be more than 0")
        fields["upstream_timeout_s"] = args.upstream_timeout_s
    return fields


def _storage_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The database URL (--database, else the environment) and the files dir; ValueError for a URL that isn't PostgreSQL's."""
    from ..server.storage.postgres import check_url

    fields: dict[str, Any] = {}
    database = args.database or os.environ.get(DATABASE_ENV, "").strip() or None
    if database is not None:
        fields["database"] = check_url(database)
    if args.files_dir:
        fields["files_dir"] = Path(args.files_dir).expanduser().absolute()
    return fields


def _guard_fields(args: argparse.Namespace) -> dict[str, Any]:
    """Host names, web origins and body limits from the command line; ValueError says what is wrong."""
    from ..server.config import MIB, allowed_host, cors_origin

    fields: dict[str, Any] = {
        "allowed_hosts": tuple(allowed_host(name) for name in args.allowed_host),
        "cors_origins": tuple(cors_origin(origin) for origin in args.cors_origin),
    }
    for option, name in (("max_body_mb", "max_body_bytes"), ("max_upload_mb", "max_upload_bytes")):
        value = getattr(args, option)
        if value is not None:
            if value <= 0:
                raise ValueError(f"--{option.replace('_', '-')} must be more than 0")
            fields[name] = int(value * MIB)
    return fields
