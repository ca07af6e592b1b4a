"""Command line entry: `asst-tui` (the TUI), `asst-tui serve`, `keys`, `export`, `threads`, `send` and `assistant`.

Heavy packages (textual, openai, the server) are imported only by the command that needs them,
so `--version`, `--help` and the first frame of the TUI stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__

DEFAULT_PORT = 8766


def _tui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asst-tui",
        description="A terminal client for the OpenAI Assistants API v2 protocol.",
        epilog="Commands: 'asst-tui serve --help' (embedded server), 'asst-tui keys --help' (its keys and projects), "
        "'asst-tui export --help' (transcripts), "
        "'asst-tui threads --help' (the registry), 'asst-tui send --help' (one turn from the shell), "
        "'asst-tui assistant --help' (assistant definitions as files).",
    )
    parser.add_argument("--version", action="version", version=f"asst-tui {__version__}")
    parser.add_argument("--profile", help="profile name from config.toml (default: the configured default, else 'local')")
    parser.add_argument("--base-url", help="use this Assistants-compatible base URL instead of the profile's")
    parser.add_argument("--assistant", help="assistant ID to chat with")
    parser.add_argument("--thread", help="thread ID to open")
    parser.add_argument("--theme", help="theme name (saved as the new default)")
    parser.add_argument("--config-path", action="store_true", help="print where the config and registry live, then exit")
    return parser


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asst-tui serve",
        description="Run the embedded Assistants v2 server until Ctrl+C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; others need a server key)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    parser.add_argument("--data-dir", help="where SQLite and files live (default: the user data dir)")
    parser.add_argument(
        "--database", metavar="URL",
        help="keep everything in PostgreSQL (postgresql://user:password@host/dbname, or set ASST_TUI_DATABASE_URL) instead of SQLite in the data dir",
    )  # fmt: skip
    parser.add_argument("--files-dir", metavar="DIR", help="where file bytes live (default: DATA_DIR/files); with --database, a dir every server process reaches")
    parser.add_argument("--engine", default="demo", choices=["demo", "chat"], help="model engine (default: demo, offline; chat: a Chat Completions upstream)")
    parser.add_argument("--demo-delay-ms", type=int, default=None, help="demo engine pace per word in ms (0 = as fast as possible)")
    chat = parser.add_argument_group("chat engine")
    chat.add_argument("--upstream-base-url", metavar="URL", help="the Chat Completions server, e.g. http://127.0.0.1:11434/v1 (default: https://api.openai.com/v1 when OPENAI_API_KEY is set)")
    chat.add_argument("--upstream-api-key-env", metavar="NAME", help="environment variable holding the upstream's key (default: OPENAI_API_KEY, sent to api.openai.com only)")
    chat.add_argument("--model-map", metavar="MODEL=UPSTREAM", action="append", default=[], help="send assistant model MODEL upstream as UPSTREAM (repeatable)")
    chat.add_argument("--upstream-timeout-s", type=float, default=None, metavar="SECONDS", help="give up on an upstream that sends nothing for this long (default 120)")
    parser.add_argument(
        "--api-key",
        help="require 'Authorization: Bearer KEY' on every request (or set ASST_TUI_SERVER_KEY); it opens the default project",
    )
    parser.add_argument("--keys-file", metavar="FILE", help="accept the keys of this file (see 'asst-tui keys'), each opening its own project")
    guard = parser.add_argument_group("browsers and limits")
    guard.add_argument("--allowed-host", metavar="NAME", action="append", default=[], help="also answer requests whose Host is NAME or NAME:PORT, e.g. the name a reverse proxy passes on (repeatable; by default only the server's own address)")
    guard.add_argument("--cors-origin", metavar="ORIGIN", action="append", default=[], help="let web pages from ORIGIN (e.g. http://localhost:3000) call the server (repeatable; by default every browser request is refused)")
    guard.add_argument("--max-body-mb", type=float, default=None, metavar="MB", help="largest JSON request body (default 16)")
    guard.add_argument("--max-upload-mb", type=float, default=None, metavar="MB", help="largest uploaded file (default 512)")
    code = parser.add_argument_group("code interpreter")
    code.add_argument(
        "--sandbox", choices=["isolated", "process"], default=None,
        help="isolated: a bubblewrap sandbox (the default where it works); process: a plain child process, unisolated",
    )  # fmt: skip
    code.add_argument(
        "--allow-unisolated-code", action="store_true",
        help="let a server listening beyond loopback run code unisolated (process sandbox)",
    )  # fmt: skip
    return parser


def _keys_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asst-tui keys",
        description="Create, revoke and list the server's keys. Each key opens one project: it sees only the objects made with "
        "a key of that project. The file keeps only a digest of each key; a running server sees changes at once.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="{create,revoke,list}")
    create = actions.add_parser("create", help="make a key for a project and print it (the only time it is shown)")
    create.add_argument("--project", required=True, help="the project the key opens ('default' holds what was made without keys)")
    create.add_argument("--note", help="what the key is for, shown by 'list'")
    revoke = actions.add_parser("revoke", help="revoke keys by id, or every key of a --project")
    revoke.add_argument("key_ids", nargs="*", metavar="KEY_ID", help="ids as 'list' shows them (key_...)")
    revoke.add_argument("--project", help="revoke every key of this project")
    listing = actions.add_parser("list", help="the keys' ids, projects, dates and notes (never the keys)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    for action in (create, revoke, listing):
        action.add_argument("--keys-file", required=True, metavar="FILE", help="the keys file (created by the first 'create', mode 0600)")
    return parser


def _export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asst-tui export", description="Save a thread's transcript.")
    parser.add_argument("thread_id", help="the thread to export")
    parser.add_argument("--format", choices=["md", "json"], default="md", help="Markdown (default) or JSON")
    parser.add_argument("-o", "--output", help="file to write ('-' for stdout; default: the transcripts dir)")
    parser.add_argument("--profile", help="profile name from config.toml")
    parser.add_argument("--base-url", help="use this base URL instead of the profile's")
    return parser


def _profile_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--profile", help="profile name from config.toml")
    parser.add_argument("--base-url", help="use this base URL instead of the profile's")
    return parser


def _threads_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asst-tui threads", description="List the threads the registry holds for a profile.")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return _profile_options(parser)


def _send_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asst-tui send",
        usage="asst-tui send THREAD_ID TEXT | asst-tui send --new [--assistant ID] TEXT",
        description="Run one turn and stream the reply to stdout; exits non-zero unless the run completes. "
        "TEXT '-' reads the message from stdin. Function calls are answered only by handlers marked auto = true.",
    )
    parser.add_argument("words", nargs="+", metavar="THREAD_ID TEXT", help="the thread (unless --new) and the message")
    parser.add_argument("--new", action="store_true", help="start a new thread (recorded in the registry)")
    parser.add_argument("--assistant", help="assistant ID (default: the thread's, the profile's default, or the last used)")
    return _profile_options(parser)


def _assistant_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asst-tui assistant", description="Assistant definitions as TOML or JSON files.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{export,import}")
    export = _profile_options(actions.add_parser("export", help="write an assistant's definition to a file or stdout"))
    export.add_argument("assistant_id", help="the assistant to export")
    export.add_argument("--format", choices=["toml", "json"], help="TOML (default) or JSON; default: from -o's suffix")
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    load = _profile_options(actions.add_parser("import", help="create an assistant from a file, or update the one its id names"))
    load.add_argument("file", help="a .toml or .json definition")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":
        from .commands.serve import run_serve

        return run_serve(_serve_parser().parse_args(args[1:]))
    if args and args[0] == "keys":
        from .commands.keys import run_keys

        return run_keys(_keys_parser().parse_args(args[1:]))
    if args and args[0] == "export":
        from .commands.export import run_export

        return run_export(_export_parser().parse_args(args[1:]))
    if args and args[0] == "threads":
        from .commands.threads import run_threads

        return run_threads(_threads_parser().parse_args(args[1:]))
    if args and args[0] == "send":
        from .commands.send import run_send

        return run_send(_send_parser().parse_args(args[1:]))
    if args and args[0] == "assistant":
        from .commands.assistant import run_assistant

        return run_assistant(_assistant_parser().parse_args(args[1:]))
    options = _tui_parser().parse_args(args)
    from .tui.launch import run_tui

    return run_tui(options)


if __name__ == "__main__":
    sys.exit(main())
