"""An assistant's definition as a TOML or JSON file, and the checks a definition passes before it is sent.

A definition holds what makes the assistant (name, description, model, instructions, temperature,
top_p, response_format, metadata, tools) and, when exported, its `id`. `tool_resources` are left out:
they name files and vector stores of one server.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from .schema_check import check_parameters

FIELDS = ("name", "description", "model", "instructions", "temperature", "top_p", "response_format", "metadata", "tools")
FORMATS = ("toml", "json")
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TOOL_TYPES = ("code_interpreter", "file_search", "function")
MAX_NAME, MAX_DESCRIPTION, MAX_INSTRUCTIONS = 256, 512, 256_000
MAX_METADATA, MAX_METADATA_KEY, MAX_METADATA_VALUE = 16, 64, 512
RESPONSE_TYPES = ("text", "json_object", "json_schema")


class DefinitionError(ValueError):
    """A definition that cannot be sent; `problems` maps each bad field to the reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems.items()))
        self.problems = problems


def to_definition(assistant: dict[str, Any]) -> dict[str, Any]:
    """The exportable part of an assistant object: its id and the fields that define it, nulls left out."""
    definition: dict[str, Any] = {"id": assistant["id"]} if assistant.get("id") else {}
    for field in FIELDS:
        value = assistant.get(field)
        if value is not None and value != {}:
            definition[field] = [_tool_definition(tool) for tool in value] if field == "tools" else value
    return definition


def _tool_definition(tool: dict[str, Any]) -> dict[str, Any]:
    """A tool without the nulls an SDK dump adds (description, strict...); nulls inside a schema are kept."""
    clean = {key: value for key, value in tool.items() if value is not None}
    if isinstance(clean.get("function"), dict):
        clean["function"] = {key: value for key, value in clean["function"].items() if value is not None}
    return clean


def dumps(definition: dict[str, Any], fmt: str) -> str:
    """The definition as TOML or JSON text; ValueError when TOML cannot hold it (a null in a schema)."""
    if fmt == "json":
        return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"
    if fmt != "toml":
        raise ValueError(f"unknown format {fmt!r} (expected toml or json)")
    if (where := _null_path(definition, "")) is not None:
        raise ValueError(f"TOML has no null, and {where.lstrip('.')} is null; export it as JSON (--format json)")
    return tomli_w.dumps(definition, multiline_strings=True)


def format_of(path: Path) -> str:
    """toml or json, from the file name; ValueError for any other suffix."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{path.name}: name the file .toml or .json")
    return suffix


def loads(text: str, fmt: str) -> dict[str, Any]:
    """Parse definition text; ValueError says where the syntax is wrong."""
    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("expected an object (a table) at the top")
    return data


def read_definition(path: Path) -> dict[str, Any]:
    """Read a .toml or .json definition file (OSError and ValueError pass through)."""
    return loads(path.read_text(encoding="utf-8"), format_of(path))


def checked(definition: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The id (if any) and the create/update parameters of a definition; DefinitionError lists every problem."""
    problems: dict[str, str] = {}
    unknown = sorted(set(definition) - set(FIELDS) - {"id"})
    if unknown:
        problems["file"] = f"unknown field{'s' * (len(unknown) > 1)} {', '.join(unknown)} (known: id, {', '.join(FIELDS)})"
    assistant_id = definition.get("id")
    if assistant_id is not None and not (isinstance(assistant_id, str) and assistant_id.strip()):
        problems["id"] = "expected an assistant id (a string)"
    params = {field: definition[field] for field in FIELDS if definition.get(field) is not None}
    problems.update(problems_of(params))
    if problems:
        raise DefinitionError(problems)
    return assistant_id, params


def problems_of(params: dict[str, Any]) -> dict[str, str]:
    """Every field of create/update `params` that a server would refuse, with the reason."""
    problems: dict[str, str] = {}
    model = params.get("model")
    if not isinstance(model, str) or not model.strip():
        problems["model"] = "a model is required"
    for field, limit in (("name", MAX_NAME), ("description", MAX_DESCRIPTION), ("instructions", MAX_INSTRUCTIONS)):
        value = params.get(field)
        if value is not None and not isinstance(value, str):
            problems[field] = "expected text"
        elif value is not None and len(value) > limit:
            problems[field] = f"at most {limit} characters (this has {len(value)})"
    for field, high in (("temperature", 2), ("top_p", 1)):
        value = params.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= high):
            problems[field] = f"expected a number from 0 to {high}"
    checks = (("response_format", response_format_problem), ("metadata", metadata_problem), ("tools", tools_problem))
    for field, check in checks:
        if field in params and (reason := check(params[field])):
            problems[field] = reason
    return problems


def response_format_problem(value: Any) -> str | None:
    if value == "auto" or isinstance(value, dict) and value.get("type") in RESPONSE_TYPES:
        return None
    return 'expected "auto" or an object with type text, json_object or json_schema'


def metadata_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "expected a table of text values"
    if len(value) > MAX_METADATA:
        return f"at most {MAX_METADATA} keys (this has {len(value)})"
    for key, item in value.items():
        if not key or len(key) > MAX_METADATA_KEY:
            return f"key {key!r}: keys have 1 to {MAX_METADATA_KEY} characters"
        if not isinstance(item, str) or len(item) > MAX_METADATA_VALUE:
            return f"{key}: values are text of at most {MAX_METADATA_VALUE} characters"
    return None


def tools_problem(tools: Any) -> str | None:
    if not isinstance(tools, list):
        return "expected an array of tools"
    names: set[str] = set()
    for index, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind not in TOOL_TYPES:
            return f"[{index}]: expected a tool whose type is code_interpreter, file_search or function"
        if kind == "function":
            try:
                name = check_function(tool.get("function"), f"[{index}].function")
            except ValueError as exc:
                return str(exc)
            if name in names:
                return f"[{index}].function.name: a second function named {name!r}"
            names.add(name)
    return None


def check_function(function: Any, path: str = "function") -> str:
    """The name of a valid function definition; ValueError (incl. SchemaProblem) says what is wrong."""
    if not isinstance(function, dict):
        raise ValueError(f"{path}: expected an object with name, description and parameters")
    unknown = sorted(set(function) - {"name", "description", "parameters", "strict"})
    if unknown:
        raise ValueError(f"{path}: unknown field {unknown[0]!r} (known: name, description, parameters, strict)")
    name = function.get("name")
    if not isinstance(name, str) or not FUNCTION_NAME.match(name):
        raise ValueError(f"{path}.name: 1-64 characters of a-z, A-Z, 0-9, _ and -")
    if function.get("description") is not None and not isinstance(function["description"], str):
        raise ValueError(f"{path}.description: expected text")
    if function.get("strict") is not None and not isinstance(function["strict"], bool):
        raise ValueError(f"{path}.strict: expected true or false")
    if function.get("parameters") is not None:
        check_parameters(function["parameters"], f"{path}.parameters")
    return name


def parse_functions(text: str) -> list[dict[str, Any]]:
    """Function tools from the JSON an editor holds: an array of tools or of bare function definitions.

    Returns the tools as `{"type": "function", "function": {...}}`; ValueError (with the JSON position
    for a syntax error, or the path of the bad field) when they cannot be sent.
    """
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError("expected an array of function definitions")
    tools = [item if isinstance(item, dict) and item.get("type") == "function" else {"type": "function", "function": item} for item in data]
    if (problem := tools_problem(tools)) is not None:
        raise ValueError(problem)
    return tools


def _null_path(value: Any, path: str) -> str | None:
    if value is None:
        return path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _null_path(item, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found is not None:
            return found
    return None

