"""The chat engine's small parts: streamed code decoding, upstream settings, Retry-After, key redaction."""

from __future__ import annotations

import email.utils
import json
import random
import time

import httpx2
import pytest

from asst_tui.server.config import OPENAI_UPSTREAM, ServerConfig, chat_upstream, local_engine
from asst_tui.server.runs.engines.code_args import CodeStream
from asst_tui.server.runs.engines.upstream import MAX_RETRY_WAIT_S, Upstream, retry_after

CODE = 'import math\nprint("héllo \\\\ \U0001f600", math.pi)\n\ttab = "\\u00e9"'


@pytest.mark.parametrize("seed", range(20))
def test_code_streams_out_of_json_arguments_cut_anywhere(seed: int) -> None:
    arguments = json.dumps({"code": CODE})  # ASCII escapes, a surrogate pair, quotes, backslashes
    rng = random.Random(seed)
    stream, seen, i = CodeStream(), "", 0
    while i < len(arguments):
        step = rng.randint(1, 6)
        seen += stream.feed(arguments[i : i + step])
        i += step
    assert seen == CODE == stream.code()


def test_code_streams_when_arguments_are_plain_code_or_broken_json() -> None:
    plain = CodeStream()
    assert plain.feed("  ") == "" and plain.feed("print(1)") == "  print(1)" and plain.feed("\n") == "\n"
    assert plain.code() == "  print(1)\n"
    broken = CodeStream()
    assert broken.feed('{"language": "python", "code": "x = 1\\nprint(x') == "x = 1\nprint(x"
    assert broken.code() == "x = 1\nprint(x"


def test_openai_key_goes_to_openai_only() -> None:
    env = {"OPENAI_API_KEY": "sk-openai", "OTHER_KEY": "sk-other"}
    assert chat_upstream(None, None, env) == (OPENAI_UPSTREAM, "sk-openai")
    assert chat_upstream("https://api.openai.com/v1", None, env) == ("https://api.openai.com/v1", "sk-openai")
    assert chat_upstream("http://127.0.0.1:11434/v1", None, env) == ("http://127.0.0.1:11434/v1", None)
    assert chat_upstream("http://127.0.0.1:11434/v1", "OTHER_KEY", env) == ("http://127.0.0.1:11434/v1", "sk-other")
    assert chat_upstream(None, "PASTED", {"PASTED": " sk-pasted\n"}) == (OPENAI_UPSTREAM, "sk-pasted")
    with pytest.raises(ValueError, match="needs an upstream"):
        chat_upstream(None, None, {"OPENAI_API_KEY": "  "})


def test_local_profile_engine_rule() -> None:
    assert local_engine(None, None, None, None, {}) == {"engine": "demo"}
    assert local_engine("demo", "http://h/v1", None, None, {"OPENAI_API_KEY": "sk-o"}) == {"engine": "demo"}
    chat = {"engine": "chat", "upstream_base_url": OPENAI_UPSTREAM, "upstream_api_key": "sk-o", "model_map": {}}
    assert local_engine(None, None, None, None, {"OPENAI_API_KEY": "sk-o"}) == chat
    ollama = local_engine(None, "http://127.0.0.1:11434/v1", None, {"gpt-4o": "llama3.2"}, {"OPENAI_API_KEY": "sk-o"})
    assert ollama == {"engine": "chat", "upstream_base_url": "http://127.0.0.1:11434/v1", "upstream_api_key": None, "model_map": {"gpt-4o": "llama3.2"}}
    with pytest.raises(ValueError, match="needs an upstream"):
        local_engine("chat", None, None, None, {})


@pytest.mark.parametrize(
    ("url", "key_env", "env", "problem"),
    [
        (None, None, {}, "needs an upstream"),
        ("http://h/v1", "MISSING_KEY", {}, "MISSING_KEY (the upstream API key) is not set"),
        ("ftp://h/v1", None, {}, "must be an http(s) URL"),
        ("127.0.0.1:11434", None, {}, "must be an http(s) URL"),
    ],
)
def test_chat_upstream_says_what_is_missing(url: str | None, key_env: str | None, env: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        chat_upstream(url, key_env, env)


def test_engine_label_never_shows_credentials_in_the_url(tmp_path: object) -> None:
    config = ServerConfig(data_dir=tmp_path, engine="chat", upstream_base_url="https://user:pw@host.example/v1?x=1", upstream_api_key="sk-k")  # type: ignore[arg-type]
    assert config.engine_label == "chat engine, upstream https://host.example/v1"
    assert "sk-k" not in repr(config)
    assert ServerConfig(data_dir=tmp_path).engine_label == "demo engine"  # type: ignore[arg-type]


def test_retry_after_reads_seconds_milliseconds_and_dates_and_is_capped() -> None:
    assert retry_after(httpx2.Headers({"retry-after": "2"})) == 2
    assert retry_after(httpx2.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    assert retry_after(httpx2.Headers({"retry-after": "3600"})) == MAX_RETRY_WAIT_S
    soon = email.utils.formatdate(time.time() + 7, usegmt=True)
    assert 2 <= retry_after(httpx2.Headers({"retry-after": soon})) <= 7  # a slow machine may take seconds to get here
    assert retry_after(httpx2.Headers({"retry-after": "soon"})) == 1.0
    assert retry_after(httpx2.Headers({"retry-after": "-5"})) == 0


def test_failure_messages_name_the_upstream_and_hide_keys() -> None:
    upstream = Upstream("https://user:pw@llm.example:8443/v1/", "secret-key-123", 5)
    failed = upstream.failed("server_error", "said: bad key secret-key-123 and sk-proj-abcdefgh1234")
    assert failed.message == "The upstream llm.example:8443 said: bad key [redacted] and [redacted]."


def test_a_401_says_whether_a_key_was_sent() -> None:
    assert "refused the API key (401 Unauthorized)" in Upstream("http://h:1/v1", "k-1", 5)._status_error(401, b"{}", 0).message
    keyless = Upstream("http://h:1/v1", None, 5)._status_error(401, b'{"error": "no key"}', 0)
    assert keyless.message.startswith("The upstream h:1 wants an API key, and none is set (401 Unauthorized)")
    assert "--upstream-api-key-env" in keyless.message
