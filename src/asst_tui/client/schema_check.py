"""A structural check of the JSON Schema a function tool declares as its `parameters`.

Not a validator of instances: it catches the mistakes that make a server or a model refuse or misread a
function (a misspelt type, `properties` that is not an object, `required` naming an absent property).
Keywords it does not know are allowed, as JSON Schema allows them.
"""

from __future__ import annotations

from typing import Any

TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SCHEMAS = ("not", "additionalProperties", "contains", "if", "then", "else")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_STRINGS = ("description", "title", "pattern", "format", "$ref")
MAX_DEPTH = 32


class SchemaProblem(ValueError):
    """What is wrong with a schema, and where (a dotted path such as `parameters.properties.unit.type`)."""


def check_parameters(schema: Any, path: str = "parameters") -> None:
    """Raise SchemaProblem unless `schema` is a JSON Schema of type object, as function parameters must be."""
    if not isinstance(schema, dict):
        raise SchemaProblem(f"{path}: expected a JSON Schema object, got {_kind(schema)}")
    if schema.get("type") != "object":
        raise SchemaProblem(f'{path}.type: function parameters must have "type": "object"')
    _check(schema, path, 0)


def _check(schema: Any, path: str, depth: int) -> None:
    if isinstance(schema, bool):  # true / false are schemas too
        return
    if not isinstance(schema, dict):
        raise SchemaProblem(f"{path}: expected a schema (an object), got {_kind(schema)}")
    if depth > MAX_DEPTH:
        raise SchemaProblem(f"{path}: nested more than {MAX_DEPTH} levels deep")
    _check_type(schema.get("type"), f"{path}.type")
    for key in _SCHEMA_MAPS:
        if key in schema:
            value = _expect(schema[key], dict, f"{path}.{key}", "an object of schemas")
            for name, sub in value.items():
                _check(sub, f"{path}.{key}.{name}", depth + 1)
    for key in _SCHEMA_LISTS:
        if key in schema:
            value = _expect(schema[key], list, f"{path}.{key}", "a non-empty array of schemas")
            if not value:
                raise SchemaProblem(f"{path}.{key}: expected a non-empty array of schemas")
            for index, sub in enumerate(value):
                _check(sub, f"{path}.{key}[{index}]", depth + 1)
    for key in _SCHEMAS:
        if key in schema:
            _check(schema[key], f"{path}.{key}", depth + 1)
    if "items" in schema:
        items = schema["items"]
        for index, sub in enumerate(items) if isinstance(items, list) else [(None, items)]:
            _check(sub, f"{path}.items" + ("" if index is None else f"[{index}]"), depth + 1)
    _check_required(schema, path)
    _check_scalars(schema, path)


def _check_type(value: Any, path: str) -> None:
    if value is None:
        return
    names = value if isinstance(value, list) else [value]
    if not names:
        raise SchemaProblem(f"{path}: expected a type name or a non-empty array of them")
    for name in names:
        if name not in TYPES:
            known = ", ".join(sorted(TYPES))
            raise SchemaProblem(f"{path}: {name!r} is not a JSON Schema type (known: {known})")


def _check_required(schema: dict[str, Any], path: str) -> None:
    if "required" not in schema:
        return
    required = _expect(schema["required"], list, f"{path}.required", "an array of property names")
    seen: set[str] = set()
    properties = schema.get("properties")
    for name in required:
        if not isinstance(name, str):
            raise SchemaProblem(f"{path}.required: expected property names (strings), got {_kind(name)}")
        if name in seen:
            raise SchemaProblem(f"{path}.required: {name!r} is listed twice")
        seen.add(name)
        if isinstance(properties, dict) and name not in properties:
            raise SchemaProblem(f"{path}.required: {name!r} is not one of the properties")


def _check_scalars(schema: dict[str, Any], path: str) -> None:
    if "enum" in schema and not (isinstance(schema["enum"], list) and schema["enum"]):
        raise SchemaProblem(f"{path}.enum: expected a non-empty array")
    for key in _STRINGS:
        if key in schema and not isinstance(schema[key], str):
            raise SchemaProblem(f"{path}.{key}: expected a string, got {_kind(schema[key])}")
    for key in _COUNTS:
        value = schema.get(key)
        if key in schema and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise SchemaProblem(f"{path}.{key}: expected an integer of 0 or more")
    for key in _NUMBERS:
        value = schema.get(key)
        if key in schema and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise SchemaProblem(f"{path}.{key}: expected a number, got {_kind(value)}")


def _expect(value: Any, expected: type, path: str, what: str) -> Any:
    if not isinstance(value, expected):
        raise SchemaProblem(f"{path}: expected {what}, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"
