"""The local profile's engine: chosen from config.toml and the environment, shown to the user, used for runs."""

from __future__ import annotations

from pathlib import Path

from asst_tui.config import Profile
from asst_tui.session.connection import server_config
from tests.server.scripted_upstream import ScriptedUpstream, text_reply

from .helpers import assistant_texts, make_app, ready, run_done, send, wait_for, write_config


def test_engine_follows_the_profile_and_the_environment(home: Path) -> None:
    config, notice = server_config(Profile("local", "local"), {})
    assert (config.engine, config.engine_label, notice) == ("demo", "demo engine", None)
    config, notice = server_config(Profile("local", "local"), {"OPENAI_API_KEY": "sk-test"})
    assert (config.engine, config.upstream_api_key, notice) == ("chat", "sk-test", None)
    assert config.engine_label == "chat engine, upstream https://api.openai.com/v1"
    local = Profile("local", "local", upstream_base_url="http://u:p@127.0.0.1:11434/v1", models={"gpt-4o": "llama3"})
    config, notice = server_config(local, {"OPENAI_API_KEY": "sk-test"})
    assert config.upstream_api_key is None  # OpenAI's key never goes to another upstream
    assert config.model_map == {"gpt-4o": "llama3"}
    assert config.engine_label == "chat engine, upstream http://127.0.0.1:11434/v1"


def test_a_chat_engine_that_cannot_start_falls_back_to_demo_and_says_why(home: Path) -> None:
    local = Profile("local", "local", engine="chat", upstream_base_url="http://127.0.0.1:1/v1", upstream_api_key_env="NOPE_KEY")
    config, notice = server_config(local, {})
    assert config.engine == "demo"
    assert "NOPE_KEY" in notice and "demo engine" in notice and "config.toml" in notice


async def test_a_run_through_the_chat_engine_streams_the_upstream_reply(home: Path) -> None:
    up = ScriptedUpstream().start()
    try:
        up.script("m", text_reply("Hel", "lo"))
        write_config(
            home,
            f'[profiles.local]\nengine = "chat"\nupstream_base_url = "{up.base_url}"\n\n'
            '[profiles.local.models]\ndemo = "m"\n',  # the first-run demo assistant's model, sent upstream as "m"
        )
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(pilot)
            assert app.connection.engine_label == f"chat engine, upstream {up.base_url}"
            assert f"chat engine, upstream {up.base_url}" in str(app.status_line.render())
            await send(pilot, "Say hello")
            await run_done(pilot)
            await wait_for(pilot, lambda: assistant_texts(app)[-1:] == ["Hello"], what="the streamed reply")
        [request] = up.requests_for("m")
        assert request.body["messages"][-1] == {"role": "user", "content": "Say hello"}
    finally:
        up.stop()


async def test_the_header_says_which_code_sandbox_the_embedded_server_runs(home: Path) -> None:
    for fresh in (False, True):  # the tests' shared server, and the app's own
        app = make_app(fresh_server=fresh)
        async with app.run_test(size=(140, 36)) as pilot:
            await ready(pilot)
            mode = app.connection.sandbox_label.split(" ")[0]
            assert mode in ("isolated", "process"), app.connection.sandbox_label
            assert f"(demo engine, {mode} sandbox)" in str(app.status_line.render())
