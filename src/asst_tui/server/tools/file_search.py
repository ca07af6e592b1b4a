"""file_search tool calls in run steps: the call object, with the results' content only when asked for."""

from __future__ import annotations

from typing import Any

from ..core.ids import new_id

RANKER = "default_2024_08_21"  # what `auto` resolves to, as the hosted API reported it
DEFAULT_MAX_RESULTS = 20


def options(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's file_search tool settings: max_num_results and ranking_options."""
    for tool in tools:
        if tool["type"] == "file_search":
            return tool.get("file_search") or {}
    return {}


def ranking_options(settings: dict[str, Any]) -> dict[str, Any]:
    ranking = settings.get("ranking_options") or {}
    return {"ranker": RANKER, "score_threshold": float(ranking.get("score_threshold", 0.0))}


def tool_call(results: list[dict[str, Any]], ranking: dict[str, Any]) -> dict[str, Any]:
    """A file_search tool call whose results carry their content (stored; hidden unless `include` asks)."""
    return {
        "id": new_id("call"),
        "type": "file_search",
        "file_search": {
            "ranking_options": ranking,
            "results": [
                {"file_id": r["file_id"], "file_name": r["filename"], "score": r["score"], "content": [{"type": "text", "text": r["text"]}]}
                for r in results
            ],
        },
    }


def result_file_ids(steps: list[dict[str, Any]]) -> list[list[str]]:
    """The result file ids of each file_search call in these run steps, in order (what a citation 【i:j†…】 names)."""
    return [
        [r["file_id"] for r in call["file_search"]["results"]]
        for step in steps if step["type"] == "tool_calls"
        for call in step["step_details"]["tool_calls"] if call["type"] == "file_search"
    ]


def call_without_content(call: dict[str, Any]) -> dict[str, Any]:
    """A tool call as shown without `include`: file_search results without their content."""
    if call.get("type") != "file_search":
        return call
    search = call["file_search"]
    results = [{k: v for k, v in r.items() if k != "content"} for r in search.get("results", [])]
    return {**call, "file_search": {**search, "results": results}}


def without_content(step: dict[str, Any]) -> dict[str, Any]:
    """A run step as shown without `include`: file_search results without their content."""
    details = step.get("step_details") or {}
    calls = details.get("tool_calls") or []
    if not any(call.get("type") == "file_search" for call in calls):
        return step
    return {**step, "step_details": {**details, "tool_calls": [call_without_content(call) for call in calls]}}
