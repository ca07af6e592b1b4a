"""What the non-interactive commands share: the profile they act for, and how they report a backend failure."""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from ..config import Config, ConfigError, Profile, load_config

if TYPE_CHECKING:
    from ..client.errors import BackendError
    from ..session.connection import Connection


def command_profile(args: Namespace) -> tuple[Config, Profile] | None:
    """The config and the profile `--profile`/`--base-url` name; None (after saying why on stderr) if there is none."""
    from ..session.connection import effective_profile

    config, problems = load_config()
    for problem in problems:
        print(f"asst-tui: config: {problem}", file=sys.stderr)
    try:
        return config, effective_profile(config.profile(args.profile), args.base_url)
    except ConfigError as error:
        print(f"asst-tui: {error}", file=sys.stderr)
        return None


def report(error: BackendError) -> int:
    """Print what happened and what to do; the exit status for a backend failure."""
    print(f"asst-tui: {error.message}\n  {error.hint}", file=sys.stderr)
    return 1


UNREACHABLE = ("connection", "timeout")  # connecting failed on the way; anything else is how the profile is set up


async def command_connection(profile: Profile) -> Connection | int:
    """Connect for a command, or the exit status after saying why: 2 when the profile can't be used as set up
    (no URL, no key, an embedded server that can't start), 1 when its backend can't be reached.

    A notice (e.g. the demo engine answers instead) goes to stderr.
    """
    from ..client.errors import BackendError
    from ..session.connection import connect

    try:
        connection = await connect(profile)
    except BackendError as error:
        report(error)
        return 1 if error.kind in UNREACHABLE else 2
    if connection.notice:
        print(f"asst-tui: {connection.notice}", file=sys.stderr)
    return connection
