"""Attribute filters of vector-store search (the spec's ComparisonFilter / CompoundFilter)."""

from __future__ import annotations

from typing import Any

from ..core.errors import bad_request

COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
COMPOUNDS = ("and", "or")
MAX_DEPTH = 8


def check_filter(value: Any, param: str = "filters", depth: int = 0) -> dict[str, Any]:
    """A filter as given, once its shape is valid; a 400 naming the bad part otherwise."""
    if not isinstance(value, dict):
        raise bad_request(f"Invalid type for '{param}': expected an object.", param=param, code="invalid_type")
    kind = value.get("type")
    if kind in COMPOUNDS:
        filters = value.get("filters")
        if depth >= MAX_DEPTH or not isinstance(filters, list) or not filters:
            raise bad_request(f"Invalid '{param}.filters': expected a non-empty array of filters (nested at most {MAX_DEPTH} deep).", param=f"{param}.filters", code="invalid_value")
        only_keys(value, {"type", "filters"}, param)
        return {"type": kind, "filters": [check_filter(f, f"{param}.filters[{i}]", depth + 1) for i, f in enumerate(filters)]}
    if kind not in COMPARISONS:
        raise bad_request(f"Invalid '{param}.type': expected one of {', '.join(COMPARISONS + COMPOUNDS)}.", param=f"{param}.type", code="invalid_value")
    only_keys(value, {"type", "key", "value"}, param)
    if not isinstance(value.get("key"), str):
        raise bad_request(f"Invalid '{param}.key': expected the name of an attribute.", param=f"{param}.key", code="invalid_value")
    operand = value.get("value")
    if kind in ("in", "nin"):
        ok = isinstance(operand, list) and all(_scalar(v) and not isinstance(v, bool) for v in operand)
    else:
        ok = _scalar(operand)
    if not ok:
        expected = "an array of strings or numbers" if kind in ("in", "nin") else "a string, number or boolean"
        raise bad_request(f"Invalid '{param}.value': expected {expected}.", param=f"{param}.value", code="invalid_value")
    return {"type": kind, "key": value["key"], "value": operand}


def matches(rule: dict[str, Any], attributes: dict[str, Any]) -> bool:
    """Whether a file's attributes pass a (checked) filter; a missing attribute fails every test but ne/nin."""
    kind = rule["type"]
    if kind == "and":
        return all(matches(f, attributes) for f in rule["filters"])
    if kind == "or":
        return any(matches(f, attributes) for f in rule["filters"])
    if rule["key"] not in attributes:
        return kind in ("ne", "nin")
    actual, operand = attributes[rule["key"]], rule["value"]
    if kind in ("in", "nin"):
        return any(_same(actual, v) for v in operand) == (kind == "in")
    if kind in ("eq", "ne"):
        return _same(actual, operand) == (kind == "eq")
    if not (_number(actual) and _number(operand)) and not (isinstance(actual, str) and isinstance(operand, str)):
        return False
    return {"gt": actual > operand, "gte": actual >= operand, "lt": actual < operand, "lte": actual <= operand}[kind]


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps booleans and numbers apart (True is not 1)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def only_keys(value: dict[str, Any], allowed: set[str], param: str) -> None:
    """A 400 for the first key of `value` (an object at `param`) that isn't allowed."""
    for key in value:
        if key not in allowed:
            raise bad_request(f"Unrecognized argument '{param}.{key}'.", param=f"{param}.{key}", code="unknown_parameter")
