"""`asst-tui send`: one turn from the shell; the reply streams to stdout, tool activity and problems to stderr.

Exit status: 0 when the run completes, 1 when it fails, ends incomplete, expired or cancelled, or the
backend cannot be reached, 2 for a usage or configuration problem. A function call is answered only
by a handler marked `auto = true`; any other call cancels the run with a clear message.
"""

from __future__ import annotations

import asyncio
import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from ..registry import Registry
from .support import command_connection, command_profile, report

if TYPE_CHECKING:
    from ..config import Profile


def run_send(args: Namespace) -> int:
    words = list(args.words)
    if args.new and len(words) != 1:
        print("asst-tui send: with --new, give only the message: asst-tui send --new --assistant ID \"text\"", file=sys.stderr)
        return 2
    if not args.new and len(words) != 2:
        print("asst-tui send: give a thread and a message (asst-tui send THREAD_ID \"text\"), or --new", file=sys.stderr)
        return 2
    text = sys.stdin.read() if words[-1] == "-" else words[-1]
    if not text.strip():
        print("asst-tui send: the message is empty", file=sys.stderr)
        return 2
    resolved = command_profile(args)
    if resolved is None:
        return 2
    registry = Registry()
    registry.load()
    profile = resolved[1]
    thread_id = None if args.new else words[0]
    assistant_id = args.assistant or _known_assistant(registry, profile, thread_id)
    if not assistant_id:
        print("asst-tui send: which assistant? Name one with --assistant ID (or set default_assistant in the profile).", file=sys.stderr)
        return 2
    return asyncio.run(_send(profile, registry, thread_id, assistant_id, text))


def _known_assistant(registry: Registry, profile: Profile, thread_id: str | None) -> str | None:
    """The thread's assistant in the registry, else the profile's default, else the one used last."""
    entry = registry.get_thread(profile.identity, thread_id) if thread_id else None
    if entry and entry.assistant_id:
        return entry.assistant_id
    if profile.default_assistant:
        return profile.default_assistant
    used = registry.assistants(profile.identity)
    return used[0].id if used else None


async def _send(profile: Profile, registry: Registry, thread_id: str | None, assistant_id: str, text: str) -> int:
    from ..client.errors import BackendError
    from ..session.choose import new_thread
    from ..session.run import RunSession
    from .reply_printer import ReplyPrinter

    connection = await command_connection(profile)
    if isinstance(connection, int):
        return connection
    backend = connection.backend
    try:
        if thread_id is None:
            thread_id = await new_thread(backend, registry, profile.identity, assistant_id)
            print(f"asst-tui: new thread {thread_id}", file=sys.stderr)
        elif registry.get_thread(profile.identity, thread_id) is None:
            registry.adopt_thread(profile.identity, thread_id)
        printer = ReplyPrinter(profile, thread_id)
        session = RunSession(backend, thread_id, printer)
        await session.add_message(text)
        registry.set_title_if_empty(profile.identity, thread_id, text)
        registry.touch_thread(profile.identity, thread_id)
        await session.start(assistant_id)
    except BackendError as error:
        return report(error)
    finally:
        await connection.close()
    printer.end_line()
    return printer.verdict(session.ended)
