"""SDK models to the plain JSON-able dicts the client hands out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel


def plain(model: BaseModel | None) -> dict[str, Any]:
    """`model_dump(mode="json")` with every field, tolerant of servers that omit some."""
    if model is None:
        return {}
    return model.model_dump(mode="json", exclude_unset=False, warnings=False)
