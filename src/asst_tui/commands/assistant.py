"""`asst-tui assistant export ID` and `asst-tui assistant import FILE`: assistant definitions as files."""

from __future__ import annotations

import asyncio
import sys
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_text_atomic
from ..client.assistant_files import DefinitionError, checked, dumps, format_of, read_definition, to_definition
from ..registry import AssistantEntry, Registry
from ..safe_text import visible
from .support import command_connection, command_profile, report

if TYPE_CHECKING:
    from ..client.backend import Backend
    from ..config import Profile


def run_assistant(args: Namespace) -> int:
    if args.action == "import":
        try:
            definition = read_definition(Path(args.file))
            assistant_id, params = checked(definition)
        except OSError as error:
            print(f"asst-tui: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
            return 2
        except DefinitionError as error:
            for field, reason in error.problems.items():
                print(visible(f"asst-tui: {args.file}: {field}: {reason}"), file=sys.stderr)
            print("Nothing was sent.", file=sys.stderr)
            return 2
        except ValueError as error:
            print(visible(f"asst-tui: {args.file}: {error}"), file=sys.stderr)
            return 2
        return _with_backend(args, lambda backend, profile: _import(backend, profile, assistant_id, params))
    fmt = args.format or _output_format(args.output)
    return _with_backend(args, lambda backend, profile: _export(backend, profile, args.assistant_id, fmt, args.output))


def _output_format(output: str | None) -> str:
    try:
        return format_of(Path(output)) if output and output != "-" else "toml"
    except ValueError:
        return "toml"


def _with_backend(args: Namespace, work: Any) -> int:
    resolved = command_profile(args)
    if resolved is None:
        return 2
    return asyncio.run(_connected(resolved[1], work))


async def _connected(profile: Profile, work: Any) -> int:
    from ..client.errors import BackendError

    connection = await command_connection(profile)
    if isinstance(connection, int):
        return connection
    try:
        return await work(connection.backend, profile)
    except BackendError as error:
        return report(error)
    finally:
        await connection.close()


async def _export(backend: Backend, profile: Profile, assistant_id: str, fmt: str, output: str | None) -> int:
    assistant = await backend.retrieve_assistant(assistant_id)
    try:
        text = dumps(to_definition(assistant), fmt)
    except ValueError as error:
        print(f"asst-tui: {error}", file=sys.stderr)
        return 1
    if not output or output == "-":
        sys.stdout.write(text)
        return 0
    try:
        write_text_atomic(Path(output), text)
    except OSError as error:
        print(f"asst-tui: could not write {output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(output)
    return 0


async def _import(backend: Backend, profile: Profile, assistant_id: str | None, params: dict[str, Any]) -> int:
    """Update the assistant the file names when the server has it; else create one."""
    from ..client.errors import BackendError

    if assistant_id:
        try:
            saved = await backend.update_assistant(assistant_id, **params)
        except BackendError as error:
            if error.kind != "not_found":
                raise
            print(f"asst-tui: {assistant_id} is not on this server; creating a new assistant.", file=sys.stderr)
        else:
            _remember(profile, saved)
            print(f"updated {saved['id']}")
            return 0
    saved = await backend.create_assistant(**params)
    _remember(profile, saved)
    print(f"created {saved['id']}")
    return 0


def _remember(profile: Profile, assistant: dict[str, Any]) -> None:
    registry = Registry()
    registry.load()
    entry = AssistantEntry(assistant["id"], name=assistant.get("name") or "", created_at=int(assistant.get("created_at") or 0))
    registry.record_assistant(profile.identity, entry)
