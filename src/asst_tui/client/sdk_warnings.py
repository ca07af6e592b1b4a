"""Silence the SDK's DeprecationWarning for the Assistants API, matched by message, and nothing else."""

from __future__ import annotations

import warnings


def silence_assistants_deprecation() -> None:
    """Ignore the Assistants deprecation notices; idempotent (the warnings module drops duplicate filters)."""
    # threads, messages, runs and run steps say so in words
    warnings.filterwarnings(
        "ignore", message="The Assistants API is deprecated", category=DeprecationWarning
    )
    # client.beta.assistants.* only says "deprecated": match it only when this package makes the call
    warnings.filterwarnings(
        "ignore", message=r"deprecated\Z", category=DeprecationWarning, module=r"asst_tui\.client\."
    )
