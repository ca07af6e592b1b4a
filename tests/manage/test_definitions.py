"""Assistant definitions as files, the function-schema check, and `[handlers]` in config.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asst_tui.client.assistant_files import DefinitionError, checked, dumps, loads, parse_functions, to_definition
from asst_tui.client.schema_check import SchemaProblem, check_parameters
from asst_tui.config import FunctionHandler, load_config, save_config
from asst_tui.session.choose import DEMO_ASSISTANT

ASSISTANT = {
    "id": "asst_1", "object": "assistant", "created_at": 1, "name": "Writer", "description": None, "model": "demo",
    "instructions": "Line one.\nLine \"two\".", "tools": DEMO_ASSISTANT["tools"], "tool_resources": {"code_interpreter": {"file_ids": ["f"]}},
    "metadata": {"team": "docs"}, "temperature": 0.5, "top_p": 1.0, "response_format": {"type": "json_object"},
}


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_definition_round_trip(fmt: str) -> None:
    definition = to_definition(ASSISTANT)
    assert "tool_resources" not in definition and "description" not in definition and "object" not in definition
    assert loads(dumps(definition, fmt), fmt) == definition
    assistant_id, params = checked(loads(dumps(definition, fmt), fmt))
    assert assistant_id == "asst_1"
    assert params == {k: ASSISTANT[k] for k in ("name", "model", "instructions", "tools", "metadata", "temperature", "top_p", "response_format")}


def test_toml_refuses_a_null_and_says_where() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"default": None}}}}}]
    with pytest.raises(ValueError, match=r"tools\[0\].function.parameters.properties.x.default is null.*--format json"):
        dumps({"model": "m", "tools": tools}, "toml")
    assert json.loads(dumps({"model": "m", "tools": tools}, "json"))["tools"] == tools


def test_checked_lists_every_problem() -> None:
    with pytest.raises(DefinitionError) as error:
        checked({"name": 3, "temperature": 5, "colour": "red", "metadata": {"k": 1},
                 "tools": [{"type": "function", "function": {"name": "bad name"}}]})
    assert set(error.value.problems) == {"file", "model", "name", "temperature", "metadata", "tools"}
    assert "colour" in error.value.problems["file"]
    assert "[0].function.name" in error.value.problems["tools"]


def test_loads_reports_syntax_positions() -> None:
    with pytest.raises(ValueError, match="invalid JSON at line 2"):
        loads('{\n "name": }', "json")
    with pytest.raises(ValueError, match="invalid TOML"):
        loads("name = ", "toml")
    with pytest.raises(ValueError, match="expected an object"):
        loads("[1]", "json")


def test_parse_functions_accepts_bare_and_wrapped_definitions() -> None:
    bare = {"name": "a", "parameters": {"type": "object", "properties": {}}}
    wrapped = {"type": "function", "function": {"name": "b"}}
    assert parse_functions(json.dumps([bare, wrapped])) == [{"type": "function", "function": bare}, wrapped]
    assert parse_functions(json.dumps(bare)) == [{"type": "function", "function": bare}]
    assert parse_functions("  ") == []
    with pytest.raises(ValueError, match="second function named 'a'"):
        parse_functions(json.dumps([bare, bare]))
    with pytest.raises(ValueError, match="unknown field 'parameter'"):
        parse_functions(json.dumps([{"name": "a", "parameter": {}}]))


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ([], "expected a JSON Schema object"),
        ({"type": "array"}, 'must have "type": "object"'),
        ({"type": "object", "properties": []}, "parameters.properties: expected an object of schemas"),
        ({"type": "object", "properties": {"a": "string"}}, "parameters.properties.a: expected a schema"),
        ({"type": "object", "properties": {"a": {"type": ["string", "nul"]}}}, "'nul' is not a JSON Schema type"),
        ({"type": "object", "required": "a"}, "parameters.required: expected an array of property names"),
        ({"type": "object", "properties": {"a": {}}, "required": ["a", "a"]}, "'a' is listed twice"),
        ({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integr"}}}}, "properties.a.items.type"),
        ({"type": "object", "properties": {"a": {"enum": []}}}, "properties.a.enum: expected a non-empty array"),
        ({"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}, 3]}}}, "properties.a.anyOf[1]"),
        ({"type": "object", "properties": {"a": {"maxLength": -1}}}, "maxLength: expected an integer of 0 or more"),
        ({"type": "object", "properties": {"a": {"description": 5}}}, "description: expected a string"),
    ],
)
def test_schema_problems(schema, problem: str) -> None:
    with pytest.raises(SchemaProblem, match=problem.replace("[", r"\[").replace("(", r"\(")):
        check_parameters(schema)


def test_schema_accepts_the_usual_shapes() -> None:
    check_parameters({
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "unit": {"enum": ["c", "f"], "default": "c"},
            "where": {"$ref": "#/$defs/place"},
            "extra": {"type": ["string", "null"], "x-custom": True},
        },
        "required": ["when"],
        "additionalProperties": False,
        "$defs": {"place": {"type": "object", "properties": {"city": {"type": "string"}}}},
    })


def test_handlers_in_config_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[profiles.local]\nkind = "local"\n'
        '[profiles.local.handlers]\necho = "cat -"\nbroken = 3\n'
        '[profiles.local.handlers.weather]\ncommand = "python3 w.py --json"\nauto = true\ntimeout = 5\ncolour = 1\n'
        '[profiles.local.handlers.slow]\ncommand = "sleep 1"\ntimeout = -1\n'
        '[profiles.local.handlers.quote]\ncommand = "a \'b"\n',
        encoding="utf-8",
    )
    config, problems = load_config(path)
    assert config.profiles["local"].handlers == {
        "echo": FunctionHandler("cat -"),
        "weather": FunctionHandler("python3 w.py --json", auto=True, timeout=5.0),
        "slow": FunctionHandler("sleep 1"),
    }
    said = "\n".join(map(str, problems))
    assert "config.toml:5: profiles.local.handlers.broken: expected a command line or a table" in said
    assert "handlers.weather.colour: unknown key" in said
    assert "handlers.slow.timeout: expected a number of seconds above 0" in said
    assert "handlers.quote.command: cannot be split into words" in said
    save_config(config, tmp_path / "saved.toml")
    assert load_config(tmp_path / "saved.toml")[0].profiles["local"].handlers == config.profiles["local"].handlers
    save_config(load_config(tmp_path / "none.toml")[0], tmp_path / "empty.toml")
    assert (tmp_path / "empty.toml").read_text() == ""  # no empty handlers table written
