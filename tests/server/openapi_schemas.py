"""jsonschema validators for OpenAI's OpenAPI description (../shared/openapi/openai-openapi.yaml).

The document says `openapi: 3.1.0` but still carries OpenAPI 3.0 idioms that plain JSON Schema
(Draft 2020-12) reads differently, so every schema is converted once before use:

- `nullable: true` becomes a type union (`type: [X, "null"]`, with `None` added to an `enum`), or an
  `anyOf: [schema, {type: null}]` wrapper when the schema is a `$ref` / combinator / enum-only schema;
  `nullable: false` is dropped.
- boolean `exclusiveMinimum` / `exclusiveMaximum` (3.0) become the numeric 2020-12 form.
- OpenAPI-only keywords (`discriminator`, `xml`, `externalDocs`) and every `x-*` extension
  (`x-oaiMeta`, `x-oaiTypeLabel`, `x-stainless-const`, ...) are dropped.
- `$ref: "#/..."` is rewritten to point into one registered resource, so any sub-schema (a named
  component, or an operation's inline response schema) validates on its own with `anyOf` / `oneOf` /
  `allOf` and nested refs resolved by `referencing`.

`Spec.component("RunObject")` and `Spec.response("/threads/{thread_id}/runs", "post")` return
`jsonschema` validators; `Spec.errors(validator, instance)` lists violations as readable strings.
`load_spec()` is cached per process: the YAML takes about a second to parse.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any, Iterable

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path("/work/shared/openapi/openai-openapi.yaml")
_HERE = Path(__file__).resolve()
for _parent in _HERE.parents:  # ../shared/openapi next to the checkout, wherever it lives
    _candidate = _parent.parent / "shared" / "openapi" / "openai-openapi.yaml"
    if _candidate.exists():
        SPEC_PATH = _candidate
        break

BASE_URI = "urn:openai-openapi"
OPENAPI_ONLY_KEYWORDS = {"discriminator", "xml", "externalDocs", "example", "deprecated"}
# Keywords whose value is a map of name -> schema (property names are data, not keywords).
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
# Keywords whose value is one schema / a list of schemas.
SCHEMA_VALUES = {"items", "additionalProperties", "not", "contains", "propertyNames", "unevaluatedProperties",
                 "unevaluatedItems", "if", "then", "else", "additionalItems"}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_COMPOSITE = {"$ref", "allOf", "anyOf", "oneOf", "not", "const"}


def convert_schema(node: Any) -> Any:
    """One OpenAPI schema object as Draft 2020-12 JSON Schema (see the module doc)."""
    if isinstance(node, bool) or not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in OPENAPI_ONLY_KEYWORDS or key == "nullable":
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: convert_schema(sub) for name, sub in value.items()}
        elif key in SCHEMA_VALUES:
            out[key] = convert_schema(value)
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [convert_schema(sub) for sub in value]
        elif key == "$ref" and isinstance(value, str) and value.startswith("#"):
            out[key] = BASE_URI + value
        else:
            out[key] = copy.deepcopy(value)
    for bound in ("Minimum", "Maximum"):
        flag = out.get(f"exclusive{bound}")
        if isinstance(flag, bool):
            del out[f"exclusive{bound}"]
            limit = bound.lower()
            if flag and limit in out:
                out[f"exclusive{bound}"] = out.pop(limit)
    if node.get("nullable") is True:
        out = _nullable(out)
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema and not (_COMPOSITE & schema.keys()):
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _convert_document(spec: dict[str, Any]) -> dict[str, Any]:
    """The parts of the document that hold schemas, converted (schemas live under components and
    under each operation's request bodies and responses)."""
    components = {
        "schemas": {name: convert_schema(schema) for name, schema in spec["components"]["schemas"].items()},
    }
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = {}
            for status, response in op["responses"].items():
                content = (response or {}).get("content") or {}
                responses[str(status)] = {
                    "content": {mime: {"schema": convert_schema(body.get("schema", {}))} for mime, body in content.items()}
                }
            paths.setdefault(path, {})[method] = {"responses": responses}
    return {"components": components, "paths": paths}


def _set_pointer(document: dict[str, Any], pointer: str, value: Any) -> None:
    """Replace the node at a JSON pointer (`/components/schemas/X/properties/y`)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]
    node = document
    for part in parts[:-1]:
        node = node[part]
    if parts[-1] not in node:
        raise KeyError(f"override target {pointer} does not exist in the spec")
    node[parts[-1]] = value


class Spec:
    """Validators for named components and operation responses of one (converted) OpenAPI document."""

    def __init__(self, raw: dict[str, Any], overrides: dict[str, Any] | None = None) -> None:
        self.raw = raw
        self.document = _convert_document(raw)
        for pointer, schema in (overrides or {}).items():
            _set_pointer(self.document, pointer, convert_schema(schema))
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(BASE_URI, resource)
        self._cache: dict[str, Draft202012Validator] = {}

    def with_overrides(self, overrides: dict[str, Any]) -> "Spec":
        """A copy whose schemas at the given JSON pointers are replaced (documented spec exemptions)."""
        return Spec(self.raw, overrides)

    def _validator(self, pointer: str) -> Draft202012Validator:
        if pointer not in self._cache:
            self.registry.resolver(BASE_URI).lookup("#" + pointer)  # fail early on a bad pointer
            self._cache[pointer] = Draft202012Validator({"$ref": f"{BASE_URI}#{pointer}"}, registry=self.registry)
        return self._cache[pointer]

    def component(self, name: str) -> Draft202012Validator:
        if name not in self.document["components"]["schemas"]:
            raise KeyError(f"no component schema {name!r} in the spec")
        return self._validator(f"/components/schemas/{name}")

    def response_schema(self, path: str, method: str, status: str = "200", mime: str = "application/json") -> dict[str, Any]:
        try:
            return self.document["paths"][path][method.lower()]["responses"][status]["content"][mime]["schema"]
        except KeyError:
            raise KeyError(f"the spec declares no {status} {mime} response for {method.upper()} {path}") from None

    def response(self, path: str, method: str, status: str = "200", mime: str = "application/json") -> Draft202012Validator:
        """The validator of an operation's response body; `path` is the spec's template (no /v1)."""
        self.response_schema(path, method, status, mime)
        escaped = path.replace("~", "~0").replace("/", "~1")
        mime_escaped = mime.replace("~", "~0").replace("/", "~1")
        return self._validator(f"/paths/{escaped}/{method.lower()}/responses/{status}/content/{mime_escaped}/schema")

    def stream_event_data(self, event: str) -> Draft202012Validator:
        """The validator of an SSE event's `data`, from the branch of AssistantStreamEvent
        (ThreadStreamEvent / RunStreamEvent / RunStepStreamEvent / MessageStreamEvent / ErrorEvent /
        DoneEvent) whose `event` enum names it."""
        schemas = self.document["components"]["schemas"]
        for group_ref in schemas["AssistantStreamEvent"]["oneOf"]:
            group_name = group_ref["$ref"].rsplit("/", 1)[1]
            group = schemas[group_name]
            branches = [(f"/components/schemas/{group_name}/oneOf/{i}", b) for i, b in enumerate(group["oneOf"])] if "oneOf" in group else [(f"/components/schemas/{group_name}", group)]
            for pointer, branch in branches:
                if event in ((branch.get("properties") or {}).get("event") or {}).get("enum", []):
                    return self._validator(f"{pointer}/properties/data")
        raise KeyError(f"the spec defines no stream event {event!r}")

    def operation_paths(self, tags: Iterable[str]) -> list[tuple[str, str]]:
        """(path, method) of every operation carrying one of the tags."""
        wanted = set(tags)
        found = []
        for path, item in self.raw["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and wanted & set(op.get("tags") or []):
                    found.append((path, method))
        return found

    @staticmethod
    def errors(validator: Draft202012Validator, instance: Any) -> list[str]:
        """Readable violations: the deepest error of each failing branch, with its location."""
        messages = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            messages.append(_describe(error))
        return messages


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    if error.context:  # anyOf / oneOf: report the errors of the branch that fits best
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else None, []).append(sub)

        def misfit(errors: list[Any]) -> tuple[int, int, int]:
            # a branch whose `type` / `object` / `event` discriminator differs is the wrong branch
            wrong_kind = any(e.validator in ("enum", "const") and e.path and e.path[-1] in ("type", "object", "event") for e in errors)
            return (int(wrong_kind), len(errors), -max(len(e.absolute_path) for e in errors))

        best = min(branches.values(), key=misfit)
        return f"{where}: {error.message[:200]} -- in the closest branch: " + "; ".join(_describe(e) for e in best[:3])
    return f"{where}: {error.message[:300]}"


@functools.lru_cache(maxsize=1)
def load_raw(path: Path = SPEC_PATH) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


@functools.lru_cache(maxsize=1)
def load_spec(path: Path = SPEC_PATH) -> Spec:
    return Spec(load_raw(path))


def template_for(concrete: str, templates: Iterable[str]) -> str | None:
    """The spec path template (`/threads/{thread_id}`) matching a concrete API path (`/threads/thread_1`)."""
    parts = concrete.strip("/").split("/")
    best = None
    for template in templates:
        tparts = template.strip("/").split("/")
        if len(tparts) != len(parts):
            continue
        literal = 0
        for t, p in zip(tparts, parts):
            if t.startswith("{") and t.endswith("}"):
                continue
            if t != p:
                break
            literal += 1
        else:
            if best is None or literal > best[0]:
                best = (literal, template)
    return best[1] if best else None
