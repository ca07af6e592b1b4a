"""Object IDs with the hosted API's prefixes (asst_, thread_, msg_, run_, step_, call_, file-)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    sep = "" if prefix.endswith("-") else "_"
    return prefix + sep + "".join(secrets.choice(_ALPHABET) for _ in range(24))
