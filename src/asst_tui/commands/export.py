"""`asst-tui export THREAD_ID`: save a thread's transcript from the shell (starting the embedded server if needed)."""

from __future__ import annotations

import asyncio
import sys
from argparse import Namespace
from pathlib import Path

from .. import paths
from ..registry import Registry
from .support import command_connection, command_profile, report


def run_export(args: Namespace) -> int:
    chosen = command_profile(args)
    if chosen is None:
        return 2
    config, profile = chosen
    registry = Registry()
    registry.load()
    entry = registry.get_thread(profile.identity, args.thread_id)
    title = (entry and entry.title) or args.thread_id
    directory = config.transcripts_dir or paths.transcripts_dir()
    return asyncio.run(_export(profile, args, title, directory))


async def _export(profile, args: Namespace, title: str, directory: Path) -> int:
    from ..client.errors import BackendError
    from ..client.transcripts import fetch_dump, save_transcript, to_json, to_markdown, write_transcript

    connection = await command_connection(profile)
    if isinstance(connection, int):
        return connection
    try:
        dump = await fetch_dump(connection.backend, args.thread_id)
    except BackendError as error:
        return report(error)
    finally:
        await connection.close()
    if args.output == "-":
        sys.stdout.write(to_json(dump) if args.format == "json" else to_markdown(dump, title))
        return 0
    try:
        if args.output:
            path = Path(args.output)
            write_transcript(dump, path, args.format, title)
        else:
            path = save_transcript(dump, directory, args.format, title)
    except OSError as error:
        print(f"asst-tui: could not write the transcript: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0
