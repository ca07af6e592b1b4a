"""The prompts sent in this session, recalled with ↑ in an empty prompt (and ↓ back towards the newest)."""

from __future__ import annotations

LIMIT = 200  # prompts kept


class PromptHistory:
    """Sent prompts, oldest first, and where browsing them stands (None: not browsing)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.sent: list[str] = []
        self.position: int | None = None

    def add(self, text: str) -> None:
        """A prompt was sent: remember it (once, as the newest) and stop browsing."""
        if text.strip():
            if text in self.sent:
                self.sent.remove(text)
            self.sent.append(text)
            del self.sent[: -self.limit]
        self.position = None

    def browsing(self, shown: str) -> bool:
        """Whether the prompt shows the entry being browsed (an edit ends browsing)."""
        return self.position is not None and self.sent[self.position] == shown

    def older(self) -> str | None:
        """The prompt before the one shown (the newest when not browsing); None when there is none."""
        if not self.sent or self.position == 0:
            return None
        self.position = len(self.sent) - 1 if self.position is None else self.position - 1
        return self.sent[self.position]

    def newer(self) -> str:
        """The prompt after the one shown; past the newest, an empty prompt."""
        if self.position is None or self.position >= len(self.sent) - 1:
            self.position = None
            return ""
        self.position += 1
        return self.sent[self.position]

    def stop(self) -> None:
        self.position = None
