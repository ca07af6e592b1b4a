"""A Backend for a configured profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .backend import Backend
from .errors import BackendError

if TYPE_CHECKING:
    from asst_tui.config import Profile


def backend_for_profile(
    profile: Profile, *, base_url_override: str | None = None, unreachable_hint: str | None = None
) -> Backend:
    """Build the Backend a profile names; for `local` the caller passes the embedded server's URL
    (and what to say when it can't be reached).

    Raises BackendError (kind "bad_request") when a `local` profile has no URL to talk to.
    """
    base_url = base_url_override or profile.base_url
    if profile.kind == "local" and not base_url:
        raise BackendError(
            f"Profile {profile.name!r} uses the embedded server, but it isn't running",
            "Start the embedded server first (the TUI does so for local profiles).",
            kind="bad_request",
        )
    return Backend.connect(
        base_url=base_url,
        api_key=profile.resolve_api_key(),
        kind=profile.kind,
        azure_endpoint=profile.azure_endpoint,
        api_version=profile.api_version,
        organization=profile.organization,
        project=profile.project,
        label=profile.name,
        unreachable_hint=unreachable_hint,
    )
