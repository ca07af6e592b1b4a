"""Request validation: the spec's types and limits, answered as 400s that name the parameter."""

from __future__ import annotations

import json
import re
from typing import Any

from ..core.errors import bad_request
from ..core.storable import first_unstorable

MAX_METADATA_KEYS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
MAX_NAME = 256
MAX_DESCRIPTION = 512
MAX_INSTRUCTIONS = 256_000
MAX_TOOLS = 128
MAX_MESSAGE_CHARS = 256_000
MIN_RUN_TOKENS = 256  # the spec's minimum for a run's max_prompt_tokens and max_completion_tokens
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TOOL_TYPES = ("code_interpreter", "file_search", "function")
MAX_JSON_DEPTH = 64  # arrays and objects inside each other; a function's JSON Schema is the deepest honest body


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object that can be stored as it is; else a 400 naming the param that can't."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise bad_request(f"The JSON body of your request is nested too deeply (more than {MAX_JSON_DEPTH} levels of arrays and objects).") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"We could not parse the JSON body of your request: {exc}.") from None
    if not isinstance(value, dict):
        raise bad_request("The request body must be a JSON object.")
    found = first_unstorable(value, MAX_JSON_DEPTH + 1)  # the body object itself is the first level
    if found is not None:
        param, problem = found
        where = f"'{param}'" if param else "request body"
        raise bad_request(f"Invalid {where}: the value {problem}. Send valid Unicode text and finite numbers.", param=param or None, code="invalid_value")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def reject_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise bad_request(f"Unrecognized request argument supplied: {key}", param=key, code="unknown_parameter")


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "a boolean", dict: "an object", list: "an array"}
    if isinstance(expected, tuple):
        return " or ".join(names.get(t, t.__name__) for t in expected)
    return names.get(expected, expected.__name__)


def typed(body: dict[str, Any], key: str, expected: type | tuple[type, ...], *, param: str | None = None) -> Any:
    """The value at `key` (None if absent or null), checked to be of the expected type."""
    value = body.get(key)
    if value is None:
        return None
    ok = isinstance(value, expected) and not (isinstance(value, bool) and bool not in _as_tuple(expected))
    if not ok:
        name = param or key
        raise bad_request(f"Invalid type for '{name}': expected {_type_name(expected)}, but got {_json_type(value)}.", param=name, code="invalid_type")
    return value


def _as_tuple(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def required_str(body: dict[str, Any], key: str) -> str:
    value = typed(body, key, str)
    if not value:
        raise bad_request(f"Missing required parameter: '{key}'.", param=key, code="missing_required_parameter")
    return value


def bounded_str(body: dict[str, Any], key: str, limit: int) -> str | None:
    value = typed(body, key, str)
    if value is not None and len(value) > limit:
        raise bad_request(
            f"Invalid '{key}': string too long. Expected a string with maximum length {limit}, but got a string with length {len(value)} instead.",
            param=key,
            code="string_above_max_length",
        )
    return value


def number_in(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = typed(body, key, (int, float))
    if value is not None and not low <= value <= high:
        raise bad_request(f"Invalid '{key}': expected a number between {low:g} and {high:g}, got {value}.", param=key, code="invalid_value")
    return value


def positive_int(body: dict[str, Any], key: str, minimum: int = 1) -> int | None:
    value = typed(body, key, int)
    if value is not None and value < minimum:
        raise bad_request(f"Invalid '{key}': expected an integer >= {minimum}, got {value}.", param=key, code="invalid_value")
    return value


def metadata(body: dict[str, Any], key: str = "metadata") -> dict[str, str] | None:
    value = typed(body, key, dict)
    if value is None:
        return None
    if len(value) > MAX_METADATA_KEYS:
        raise bad_request(f"Invalid '{key}': too many properties. Expected at most {MAX_METADATA_KEYS}, got {len(value)}.", param=key, code="object_above_max_properties")
    for k, v in value.items():
        if len(k) > MAX_METADATA_KEY:
            raise bad_request(f"Invalid '{key}': key '{k[:20]}…' is longer than {MAX_METADATA_KEY} characters.", param=f"{key}.{k}", code="invalid_value")
        if not isinstance(v, str):
            raise bad_request(f"Invalid type for '{key}.{k}': expected a string, but got {_json_type(v)}.", param=f"{key}.{k}", code="invalid_type")
        if len(v) > MAX_METADATA_VALUE:
            raise bad_request(f"Invalid '{key}.{k}': value is longer than {MAX_METADATA_VALUE} characters.", param=f"{key}.{k}", code="string_above_max_length")
    return value


def tools(body: dict[str, Any], key: str = "tools") -> list[dict[str, Any]] | None:
    value = typed(body, key, list)
    if value is None:
        return None
    if len(value) > MAX_TOOLS:
        raise bad_request(f"Invalid '{key}': too many tools. Expected at most {MAX_TOOLS}, got {len(value)}.", param=key, code="array_above_max_length")
    return [_tool(tool, f"{key}[{i}]") for i, tool in enumerate(value)]


def _tool(tool: Any, param: str) -> dict[str, Any]:
    if not isinstance(tool, dict):
        raise bad_request(f"Invalid type for '{param}': expected an object, but got {_json_type(tool)}.", param=param, code="invalid_type")
    kind = tool.get("type")
    if kind not in TOOL_TYPES:
        raise bad_request(f"Invalid value for '{param}.type': expected one of {', '.join(TOOL_TYPES)}, got {kind!r}.", param=f"{param}.type", code="invalid_value")
    if kind == "code_interpreter":
        return {"type": "code_interpreter"}
    if kind == "file_search":
        options = tool.get("file_search")
        result: dict[str, Any] = {"type": "file_search"}
        if options is not None:
            result["file_search"] = _file_search_options(options, f"{param}.file_search")
        return result
    function = tool.get("function")
    if not isinstance(function, dict):
        raise bad_request(f"Missing required parameter: '{param}.function'.", param=f"{param}.function", code="missing_required_parameter")
    name = function.get("name")
    if not isinstance(name, str) or not FUNCTION_NAME.match(name):
        raise bad_request(
            f"Invalid '{param}.function.name': must be 1-64 characters of a-z, A-Z, 0-9, underscores and dashes.",
            param=f"{param}.function.name",
            code="invalid_value",
        )
    parameters = function.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise bad_request(f"Invalid type for '{param}.function.parameters': expected an object.", param=f"{param}.function.parameters", code="invalid_type")
    description = function.get("description")
    if description is not None and not isinstance(description, str):
        raise bad_request(f"Invalid type for '{param}.function.description': expected a string.", param=f"{param}.function.description", code="invalid_type")
    clean = {"name": name, "description": description, "parameters": parameters}
    if function.get("strict") is not None:
        clean["strict"] = bool(function["strict"])
    return {"type": "function", "function": {k: v for k, v in clean.items() if v is not None}}


def tool_resources(body: dict[str, Any], key: str = "tool_resources") -> dict[str, Any] | None:
    value = typed(body, key, dict)
    if value is None:
        return None
    result: dict[str, Any] = {}
    code = value.get("code_interpreter")
    if code is not None:
        file_ids = _string_list(code, "file_ids", f"{key}.code_interpreter")
        result["code_interpreter"] = {"file_ids": file_ids}
    search = value.get("file_search")
    if search is not None:
        ids = _string_list(search, "vector_store_ids", f"{key}.file_search")
        result["file_search"] = {"vector_store_ids": ids}
        if search.get("vector_stores") is not None:  # the create-inline helper: checked and made by VectorStores
            result["file_search"]["vector_stores"] = search["vector_stores"]
    return result


def _string_list(container: Any, key: str, param: str) -> list[str]:
    if not isinstance(container, dict):
        raise bad_request(f"Invalid type for '{param}': expected an object.", param=param, code="invalid_type")
    items = container.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise bad_request(f"Invalid type for '{param}.{key}': expected an array of strings.", param=f"{param}.{key}", code="invalid_type")
    return list(items)


def _file_search_options(options: Any, param: str) -> dict[str, Any]:
    """The spec's AssistantToolsFileSearch.file_search: max_num_results 1-50, ranking_options.

    A null setting is taken as absent (the default applies) and is not echoed: the response schema has no
    null for max_num_results, ranking_options or ranker.
    """
    if not isinstance(options, dict):
        raise bad_request(f"Invalid type for '{param}': expected an object, but got {_json_type(options)}.", param=param, code="invalid_type")
    count = options.get("max_num_results")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 50):
        raise bad_request(f"Invalid '{param}.max_num_results': expected an integer between 1 and 50.", param=f"{param}.max_num_results", code="invalid_value")
    ranking = options.get("ranking_options")
    if ranking is not None:
        where = f"{param}.ranking_options"
        if not isinstance(ranking, dict):
            raise bad_request(f"Invalid type for '{where}': expected an object, but got {_json_type(ranking)}.", param=where, code="invalid_type")
        threshold = ranking.get("score_threshold")
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 <= threshold <= 1:
            raise bad_request(f"Invalid '{where}.score_threshold': expected a number between 0 and 1.", param=f"{where}.score_threshold", code="invalid_value")
        if ranking.get("ranker") not in (None, "auto", "default_2024_08_21"):
            raise bad_request(f"Invalid '{where}.ranker': expected 'auto' or 'default_2024_08_21'.", param=f"{where}.ranker", code="invalid_value")
    clean = {key: value for key, value in options.items() if value is not None}
    if ranking is not None:
        clean["ranking_options"] = {key: value for key, value in ranking.items() if value is not None}
    return clean


def _json_schema_format(value: Any) -> None:
    """The spec's ResponseFormatJsonSchema.json_schema: an object with a name, optional schema/strict/description."""
    param = "response_format.json_schema"
    if not isinstance(value, dict):
        raise bad_request(f"Missing required parameter: '{param}' (an object with a name and a schema).", param=param, code="missing_required_parameter")
    if not isinstance(value.get("name"), str) or not FUNCTION_NAME.match(value["name"]):
        raise bad_request(f"Invalid '{param}.name': must be 1-64 characters of a-z, A-Z, 0-9, underscores and dashes.", param=f"{param}.name", code="invalid_value")
    for key, expected in (("schema", dict), ("strict", bool), ("description", str)):
        typed(value, key, expected, param=f"{param}.{key}")


def response_format(body: dict[str, Any]) -> Any:
    value = body.get("response_format")
    if value is None or value == "auto":
        return value
    if isinstance(value, dict) and value.get("type") in ("text", "json_object", "json_schema"):
        if value["type"] == "json_schema":
            _json_schema_format(value.get("json_schema"))
        return value
    raise bad_request("Invalid 'response_format': expected 'auto' or an object with type text, json_object or json_schema.", param="response_format", code="invalid_value")


def tool_choice(body: dict[str, Any]) -> Any:
    value = body.get("tool_choice")
    if value is None or value in ("auto", "none", "required"):
        return value
    if isinstance(value, dict) and value.get("type") in TOOL_TYPES:
        function = value.get("function")
        if value["type"] == "function" and not (isinstance(function, dict) and isinstance(function.get("name"), str)):
            raise bad_request("Invalid 'tool_choice.function.name': a function name is required.", param="tool_choice.function.name", code="invalid_value")
        return value
    raise bad_request("Invalid 'tool_choice': expected 'auto', 'none', 'required' or an object naming a tool.", param="tool_choice", code="invalid_value")


def truncation_strategy(body: dict[str, Any]) -> dict[str, Any] | None:
    value = typed(body, "truncation_strategy", dict)
    if value is None:
        return None
    kind = value.get("type")
    if kind not in ("auto", "last_messages"):
        raise bad_request("Invalid 'truncation_strategy.type': expected 'auto' or 'last_messages'.", param="truncation_strategy.type", code="invalid_value")
    last = value.get("last_messages")
    if kind == "last_messages" and (not isinstance(last, int) or isinstance(last, bool) or last < 1):
        raise bad_request("Invalid 'truncation_strategy.last_messages': expected an integer >= 1.", param="truncation_strategy.last_messages", code="invalid_value")
    return {"type": kind, "last_messages": last if kind == "last_messages" else None}


def list_params(query: Any) -> tuple[int, str, str | None, str | None]:
    """limit (1-100, default 20), order (asc|desc, default desc), after, before from a query string."""
    raw_limit = query.get("limit", "20")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise bad_request(f"Invalid 'limit': expected an integer, got {raw_limit!r}.", param="limit", code="invalid_type") from None
    if not 1 <= limit <= 100:
        raise bad_request(f"Invalid 'limit': expected an integer between 1 and 100, got {limit}.", param="limit", code="invalid_value")
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise bad_request(f"Invalid 'order': expected 'asc' or 'desc', got {order!r}.", param="order", code="invalid_value")
    return limit, order, query.get("after") or None, query.get("before") or None
