"""`asst-tui threads`: the registry's threads for a profile, as a table or as JSON."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from argparse import Namespace

from ..registry import Registry
from ..safe_text import visible
from .support import command_profile


def run_threads(args: Namespace) -> int:
    resolved = command_profile(args)
    if resolved is None:
        return 2
    _, profile = resolved
    registry = Registry()
    registry.load()
    if registry.problem:
        print(f"asst-tui: registry: {registry.problem}", file=sys.stderr)
    entries = registry.threads(profile.identity, include_archived=True)
    entries.sort(key=lambda entry: entry.archived)  # archived ones last, each group most recent first
    if args.json:
        print(json.dumps([dataclasses.asdict(entry) for entry in entries], indent=2, ensure_ascii=False))
        return 0
    if not entries:
        print(f"No threads recorded for profile {profile.name!r} yet.", file=sys.stderr)
        return 0
    width = max(len(entry.id) for entry in entries)
    for entry in entries:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.last_active))
        flags = "".join(f" [{flag}]" for flag, on in (("archived", entry.archived), ("stale", entry.stale)) if on)
        print(visible(f"{entry.id:<{width}}  {when}  {entry.title or '(untitled)'}{flags}"))
    return 0
