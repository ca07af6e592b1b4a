"""Constants of the Assistants v2 wire protocol, shared by the server and the client: defined once here."""

from __future__ import annotations

# A run in one of these holds its thread's lock: no new run, no new message.
ACTIVE_RUN_STATUSES = frozenset({"queued", "in_progress", "requires_action", "cancelling"})
# A run in one of these has ended for good.
TERMINAL_RUN_STATUSES = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
RUN_STATUSES = ACTIVE_RUN_STATUSES | TERMINAL_RUN_STATUSES
# A run step in one of these has ended (a step is never incomplete: its run is).
TERMINAL_STEP_STATUSES = frozenset({"completed", "failed", "cancelled", "expired"})
