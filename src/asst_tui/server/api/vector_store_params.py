"""Request validation for the vector-store endpoints: the spec's types and limits, as 400s naming the parameter."""

from __future__ import annotations

from typing import Any

from ..core.errors import bad_request
from ..tools.attribute_filters import check_filter, only_keys
from ..tools.chunking import MAX_MAX_TOKENS, MIN_MAX_TOKENS, default_strategy
from . import validation as v

MAX_CREATE_FILES = 500
MAX_BATCH_FILES = 2000
MAX_ATTRIBUTES = 16
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_VALUE = 512
MAX_SEARCH_RESULTS = 50
DEFAULT_SEARCH_RESULTS = 10
RANKERS = ("none", "auto", "default-2024-11-15")
FILE_FILTERS = ("in_progress", "completed", "failed", "cancelled")
SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


def expires_after(body: dict[str, Any]) -> dict[str, Any] | None:
    """{anchor: last_active_at, days: 1-365}, or None when absent or null."""
    value = v.typed(body, "expires_after", dict)
    if value is None:
        return None
    only_keys(value, {"anchor", "days"}, "expires_after")
    if value.get("anchor") != "last_active_at":
        raise bad_request("Invalid 'expires_after.anchor': expected 'last_active_at'.", param="expires_after.anchor", code="invalid_value")
    days = value.get("days")
    if not _int(days) or not 1 <= days <= 365:
        raise bad_request("Invalid 'expires_after.days': expected an integer between 1 and 365.", param="expires_after.days", code="invalid_value")
    return {"anchor": "last_active_at", "days": days}


def chunking_strategy(body: dict[str, Any], param: str = "chunking_strategy") -> dict[str, Any] | None:
    """The static strategy a request asks for (`auto` resolved to 800/400); None when absent."""
    value = body.get("chunking_strategy")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(f"Invalid type for '{param}': expected an object.", param=param, code="invalid_type")
    kind = value.get("type")
    if kind == "auto":
        only_keys(value, {"type"}, param)
        return default_strategy()
    if kind != "static":
        raise bad_request(f"Invalid '{param}.type': expected 'auto' or 'static'.", param=f"{param}.type", code="invalid_value")
    only_keys(value, {"type", "static"}, param)
    static = value.get("static")
    if not isinstance(static, dict):
        raise bad_request(f"Missing required parameter: '{param}.static'.", param=f"{param}.static", code="missing_required_parameter")
    only_keys(static, {"max_chunk_size_tokens", "chunk_overlap_tokens"}, f"{param}.static")
    size, overlap = static.get("max_chunk_size_tokens"), static.get("chunk_overlap_tokens")
    if not _int(size) or not MIN_MAX_TOKENS <= size <= MAX_MAX_TOKENS:
        where = f"{param}.static.max_chunk_size_tokens"
        raise bad_request(f"Invalid '{where}': expected an integer between {MIN_MAX_TOKENS} and {MAX_MAX_TOKENS}.", param=where, code="invalid_value")
    if not _int(overlap) or not 0 <= overlap <= size // 2:
        where = f"{param}.static.chunk_overlap_tokens"
        raise bad_request(f"Invalid '{where}': expected an integer from 0 to half of max_chunk_size_tokens ({size // 2}).", param=where, code="invalid_value")
    return {"type": "static", "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}}


def attributes(body: dict[str, Any], param: str = "attributes") -> dict[str, Any] | None:
    """Up to 16 keys (<= 64 chars) with string (<= 512 chars), number or boolean values."""
    value = v.typed(body, "attributes", dict, param=param)
    if value is None:
        return None
    if len(value) > MAX_ATTRIBUTES:
        raise bad_request(f"Invalid '{param}': at most {MAX_ATTRIBUTES} attributes, got {len(value)}.", param=param, code="object_above_max_properties")
    for key, item in value.items():
        if len(key) > MAX_ATTRIBUTE_KEY:
            raise bad_request(f"Invalid '{param}': key '{key[:20]}…' is longer than {MAX_ATTRIBUTE_KEY} characters.", param=param, code="invalid_value")
        if not isinstance(item, (str, int, float, bool)):
            raise bad_request(f"Invalid type for '{param}.{key}': expected a string, number or boolean.", param=f"{param}.{key}", code="invalid_type")
        if isinstance(item, str) and len(item) > MAX_ATTRIBUTE_VALUE:
            raise bad_request(f"Invalid '{param}.{key}': longer than {MAX_ATTRIBUTE_VALUE} characters.", param=f"{param}.{key}", code="string_above_max_length")
    return value


def file_ids(body: dict[str, Any], limit: int, *, required: bool = False) -> list[str] | None:
    value = v.typed(body, "file_ids", list)
    if value is None:
        if required:
            raise bad_request("Missing required parameter: 'file_ids' (or 'files').", param="file_ids", code="missing_required_parameter")
        return None
    if not all(isinstance(item, str) and item for item in value):
        raise bad_request("Invalid 'file_ids': expected an array of file ids.", param="file_ids", code="invalid_type")
    if len(value) > limit or (required and not value):
        raise bad_request(f"Invalid 'file_ids': expected 1 to {limit} file ids, got {len(value)}.", param="file_ids", code="invalid_value")
    return list(dict.fromkeys(value))


def batch_files(body: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]:
    """A batch's (file_id, chunking strategy, attributes) from `file_ids` or `files` (one of the two)."""
    strategy = chunking_strategy(body)
    shared = attributes(body)
    if "files" not in body:
        return [(file_id, strategy, shared) for file_id in file_ids(body, MAX_BATCH_FILES, required=True) or []]
    if "file_ids" in body:
        raise bad_request("Give either 'file_ids' or 'files', not both.", param="files", code="invalid_value")
    files = v.typed(body, "files", list)
    if not files or len(files) > MAX_BATCH_FILES:
        raise bad_request(f"Invalid 'files': expected 1 to {MAX_BATCH_FILES} files.", param="files", code="invalid_value")
    entries = []
    for i, item in enumerate(files):
        where = f"files[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("file_id"), str) or not item["file_id"]:
            raise bad_request(f"Invalid '{where}': expected an object with a file_id.", param=where, code="invalid_value")
        only_keys(item, {"file_id", "chunking_strategy", "attributes"}, where)
        own_attributes = attributes(item, f"{where}.attributes")
        entries.append((item["file_id"], chunking_strategy(item, f"{where}.chunking_strategy") or strategy, own_attributes if own_attributes is not None else shared))
    return entries


def inline_vector_stores(value: Any, param: str) -> list[dict[str, Any]]:
    """tool_resources.file_search.vector_stores: [{file_ids, chunking_strategy, metadata}], normalised."""
    if not isinstance(value, list):
        raise bad_request(f"Invalid type for '{param}': expected an array.", param=param, code="invalid_type")
    helpers = []
    for i, item in enumerate(value):
        where = f"{param}[{i}]"
        if not isinstance(item, dict):
            raise bad_request(f"Invalid type for '{where}': expected an object.", param=where, code="invalid_type")
        only_keys(item, {"file_ids", "chunking_strategy", "metadata"}, where)
        ids = item.get("file_ids") or []
        if not isinstance(ids, list) or not all(isinstance(file_id, str) for file_id in ids):
            raise bad_request(f"Invalid type for '{where}.file_ids': expected an array of file ids.", param=f"{where}.file_ids", code="invalid_type")
        helpers.append({"file_ids": ids, "chunking_strategy": chunking_strategy(item, f"{where}.chunking_strategy"), "metadata": v.metadata(item)})
    return helpers


def search_request(body: dict[str, Any]) -> dict[str, Any]:
    """query (a string or non-empty array of strings), max_num_results, filters, ranking_options, rewrite_query."""
    query = body.get("query")
    if isinstance(query, str):
        queries = [query]
    elif isinstance(query, list) and query and all(isinstance(q, str) for q in query):
        queries = list(query)
    elif query is None:
        raise bad_request("Missing required parameter: 'query'.", param="query", code="missing_required_parameter")
    else:
        raise bad_request("Invalid 'query': expected a string or a non-empty array of strings.", param="query", code="invalid_type")
    limit = v.typed(body, "max_num_results", int)
    if limit is not None and not 1 <= limit <= MAX_SEARCH_RESULTS:
        raise bad_request(f"Invalid 'max_num_results': expected an integer between 1 and {MAX_SEARCH_RESULTS}.", param="max_num_results", code="invalid_value")
    ranking = v.typed(body, "ranking_options", dict) or {}
    only_keys(ranking, {"ranker", "score_threshold"}, "ranking_options")
    if ranking.get("ranker") not in (None, *RANKERS):
        raise bad_request(f"Invalid 'ranking_options.ranker': expected one of {', '.join(RANKERS)}.", param="ranking_options.ranker", code="invalid_value")
    threshold = ranking.get("score_threshold")
    if threshold is not None and (not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 <= threshold <= 1):
        raise bad_request("Invalid 'ranking_options.score_threshold': expected a number between 0 and 1.", param="ranking_options.score_threshold", code="invalid_value")
    v.typed(body, "rewrite_query", bool)
    filters = body.get("filters")
    return {
        "queries": queries,
        "limit": limit or DEFAULT_SEARCH_RESULTS,
        "score_threshold": threshold or 0.0,
        "filters": check_filter(filters) if filters is not None else None,
        "rewrite_query": bool(body.get("rewrite_query")),
    }


def list_filter(query: Any) -> str | None:
    value = query.get("filter")
    if value is not None and value not in FILE_FILTERS:
        raise bad_request(f"Invalid 'filter': expected one of {', '.join(FILE_FILTERS)}.", param="filter", code="invalid_value")
    return value


def include_search_content(query: Any) -> bool:
    """Whether a run-steps request's `include[]` asks for the file_search results' content."""
    values = query.getlist("include[]") + query.getlist("include")
    for value in values:
        if value != SEARCH_CONTENT:
            raise bad_request(f"Invalid 'include[]': the only supported value is '{SEARCH_CONTENT}'.", param="include[]", code="invalid_value")
    return bool(values)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

