"""config.toml: defaults, round trip, and every kind of broken file reported without raising."""

from __future__ import annotations

import stat
import textwrap
import tomllib
from pathlib import Path

import pytest

from asst_tui import paths
from asst_tui.config import (
    OPENAI_BASE_URL,
    Config,
    ConfigError,
    ConfigProblem,
    Profile,
    load_config,
    save_config,
    set_theme,
)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ASST_TUI_HOME", str(tmp_path))
    return tmp_path


def write(text: str, mode: int = 0o600) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    path.chmod(mode)
    return path


GOOD = """\
    default_profile = "work"
    theme = "asst-light"
    transcripts_dir = "~/chats"

    [profiles.work]
    kind = "openai"
    api_key_env = "WORK_KEY"
    organization = "org-1"
    project = "proj-1"
    default_assistant = "asst_1"

    [profiles.azure]
    kind = "azure"
    azure_endpoint = "https://example.openai.azure.com"
    api_version = "2024-05-01-preview"
    api_key = "sk-in-file"

    [profiles.local]
    engine = "chat"
    demo_delay_ms = 0
    upstream_base_url = "http://127.0.0.1:11434/v1"
    upstream_api_key_env = "OLLAMA_KEY"

    [profiles.local.models]
    gpt-4o = "llama3.1:8b"
"""


def test_missing_file_gives_defaults_and_no_problems():
    config, problems = load_config()
    assert problems == []
    assert config == Config()
    local = config.profile()
    assert (local.name, local.kind, local.identity) == ("local", "local", "local@embedded")
    assert config.theme == "asst-dark"
    assert config.transcripts_dir is None


def test_good_file_is_read_and_round_trips(home):
    write(GOOD)
    config, problems = load_config()
    assert problems == []
    assert config.default_profile == "work"
    assert config.theme == "asst-light"
    assert config.transcripts_dir == Path("~/chats").expanduser()
    work = config.profile()
    assert work.kind == "openai" and work.organization == "org-1" and work.default_assistant == "asst_1"
    assert work.base_url is None and work.url == OPENAI_BASE_URL
    assert work.identity == f"work@{OPENAI_BASE_URL}"
    assert config.profile("azure").identity == "azure@https://example.openai.azure.com"
    assert config.profile("azure").api_key == "sk-in-file"
    local = config.profile("local")
    assert (local.kind, local.engine, local.demo_delay_ms) == ("local", "chat", 0)
    assert local.upstream_api_key_env == "OLLAMA_KEY"
    assert local.models == {"gpt-4o": "llama3.1:8b"}

    save_config(config)
    assert stat.S_IMODE(paths.config_file().stat().st_mode) == 0o600
    assert load_config() == (config, [])


def test_builtin_local_profile_is_not_written_unless_customised():
    config = Config()
    config.profiles["lab"] = Profile("lab", "openai", base_url="http://lab:8000/v1")
    save_config(config)
    written = tomllib.loads(paths.config_file().read_text())
    assert written == {"profiles": {"lab": {"kind": "openai", "base_url": "http://lab:8000/v1"}}}
    assert load_config() == (config, [])


def test_invalid_toml_gives_defaults_and_a_problem_with_line_and_column():
    path = write('theme = "asst-light"\n[profiles.work]\nkind = \n')
    config, problems = load_config()
    assert config == Config()
    assert problems == [
        ConfigProblem(path, 3, "invalid TOML at column 8: Invalid value; the default settings are used")
    ]
    assert str(problems[0]).startswith("config.toml:3: invalid TOML at column 8")


def test_unknown_kind_drops_that_profile_and_keeps_the_rest():
    write(
        """\
        [profiles.home]
        kind = "openai"

        [profiles.work]
        base_url = "https://example.com/v1"
        kind = "azur"
        """
    )
    config, problems = load_config()
    assert [str(p) for p in problems] == [
        "config.toml:6: profiles.work: unknown kind 'azur' (expected local, openai or azure); profile ignored"
    ]
    assert sorted(config.profiles) == ["home", "local"]


def test_missing_kind_is_reported_at_the_profile():
    write('theme = "x"\n\n[profiles.lab]\nbase_url = "http://lab/v1"\n')
    config, problems = load_config()
    assert [(p.line, p.message) for p in problems] == [
        (3, "profiles.lab: missing kind (expected local, openai or azure); profile ignored")
    ]
    assert "lab" not in config.profiles


def test_wrong_types_and_unknown_keys_drop_only_the_bad_key():
    write(
        """\
        theme = 3
        colour = "blue"
        default_profile = "x"

        [profiles.x]
        kind = "openai"
        base_url = 1
        organisation = "typo"
        engine = "demo"
        api_key_env = "X_KEY"

        [profiles.local]
        demo_delay_ms = "fast"
        """
    )
    config, problems = load_config()
    assert [str(p) for p in problems] == [
        "config.toml:1: theme: expected a string, got an integer; ignored",
        "config.toml:2: colour: unknown setting (known: default_profile, theme, transcripts_dir, inline_images, keys, profiles)",
        "config.toml:7: profiles.x.base_url: expected a string, got an integer; ignored",
        "config.toml:8: profiles.x.organisation: unknown key (known: kind, base_url, api_key_env, api_key, "
        "azure_endpoint, api_version, organization, project, default_assistant, engine, demo_delay_ms, "
        "upstream_base_url, upstream_api_key_env, models, handlers); ignored",
        "config.toml:9: profiles.x.engine: only used by profiles of kind 'local'; ignored",
        "config.toml:13: profiles.local.demo_delay_ms: expected an integer, got a string; ignored",
    ]
    assert config.theme == "asst-dark"
    assert config.default_profile == "x"
    assert config.profile() == Profile("x", "openai", api_key_env="X_KEY")
    assert config.profile("local") == Profile("local", "local")


def test_models_table_keeps_string_mappings_and_reports_the_rest():
    write('[profiles.local]\nmodels = { a = "b", c = 1 }\n\n[profiles.x]\nkind = "openai"\nmodels = { a = "b" }\n')
    config, problems = load_config()
    assert [p.message for p in problems] == [
        "profiles.local.models.c: expected a string, got an integer; ignored",
        "profiles.x.models: only used by profiles of kind 'local'; ignored",
    ]
    assert config.profile("local").models == {"a": "b"}
    write('[profiles.local]\nmodels = "gpt-4o"\n')
    assert [p.message for p in load_config()[1]] == ["profiles.local.models: expected a table, got a string; ignored"]


def test_profiles_that_are_not_tables_and_unknown_default_profile():
    write('default_profile = "gone"\nprofiles = { a = 1 }\n')
    config, problems = load_config()
    assert [str(p) for p in problems] == [
        "config.toml:1: default_profile: no profile named 'gone'; 'local' is used",
        "config.toml:2: profiles.a: expected a table, got an integer; profile ignored",
    ]
    assert config == Config()


def test_unknown_profile_name_raises_a_clear_error():
    with pytest.raises(ConfigError, match=r"no profile named 'nope' \(known profiles: local\)"):
        Config().profile("nope")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o666])
def test_key_in_a_file_others_can_read_is_refused(mode):
    path = write('[profiles.work]\nkind = "openai"\napi_key = "sk-secret"\n', mode=mode)
    config, problems = load_config()
    assert config.profile("work").api_key is None
    assert [p.line for p in problems] == [3]
    assert "can be read by other users" in problems[0].message
    assert f"chmod 600 {path}" in problems[0].message
    assert "api_key_env" in problems[0].message
    assert "sk-secret" not in str(problems[0])


def test_key_in_a_private_file_is_accepted():
    write('[profiles.work]\nkind = "openai"\napi_key = "sk-secret"\n', mode=0o600)
    config, problems = load_config()
    assert problems == []
    assert config.profile("work").resolve_api_key() == "sk-secret"
    assert "sk-secret" not in repr(config)


def test_key_from_the_environment_is_resolved_and_never_saved(monkeypatch):
    write('[profiles.work]\nkind = "openai"\napi_key_env = "WORK_KEY"\n')
    config, _ = load_config()
    monkeypatch.delenv("WORK_KEY", raising=False)
    assert config.profile("work").resolve_api_key() is None
    monkeypatch.setenv("WORK_KEY", "sk-from-env")
    assert config.profile("work").resolve_api_key() == "sk-from-env"
    save_config(config)
    assert "sk-from-env" not in paths.config_file().read_text()
    assert Profile("plain", "openai").resolve_api_key() is None


def test_set_theme_keeps_everything_else_in_the_file():
    write(GOOD + '\n[profiles.extra]\nkind = "openai"\nfuture_key = [1, 2]\n')
    before = tomllib.loads(paths.config_file().read_text())
    set_theme("solarized")
    after = tomllib.loads(paths.config_file().read_text())
    assert after == {**before, "theme": "solarized"}
    assert load_config()[0].theme == "solarized"


def test_set_theme_without_a_file_creates_it():
    set_theme("solarized")
    assert load_config() == (Config(theme="solarized"), [])
    assert stat.S_IMODE(paths.config_file().stat().st_mode) == 0o600


def test_set_theme_refuses_to_overwrite_a_broken_file():
    path = write("theme = \n")
    with pytest.raises(ConfigError, match=r"config.toml:1: invalid TOML"):
        set_theme("solarized")
    assert path.read_text() == "theme = \n"


def test_inline_images_is_a_boolean_that_round_trips():
    assert load_config()[0].inline_images is True
    write("inline_images = false\n")
    config, problems = load_config()
    assert problems == [] and config.inline_images is False
    save_config(config)
    assert tomllib.loads(paths.config_file().read_text()) == {"inline_images": False}
    write('inline_images = "no"\n')
    config, problems = load_config()
    assert config.inline_images is True
    assert [str(p) for p in problems] == ["config.toml:1: inline_images: expected a boolean, got a string; ignored"]


def test_keys_table_is_read_with_its_lines_and_kept_by_save_and_set_theme(home):
    write('theme = "asst-dark"\n\n[keys]\nfiles_view = "ctrl+k"\nhelp = ["f1", "ctrl+h"]\nquit = 3\n')
    config, problems = load_config()
    assert [str(p) for p in problems] == ["config.toml:6: keys.quit: expected a key or an array of keys, got an integer; ignored"]
    assert {name: (s.keys, s.line) for name, s in config.keys.items()} == {
        "files_view": (("ctrl+k",), 4), "help": (("f1", "ctrl+h"), 5)}
    save_config(config)
    assert {name: s.keys for name, s in load_config()[0].keys.items()} == {"files_view": ("ctrl+k",), "help": ("f1", "ctrl+h")}
    set_theme("asst-light")
    assert tomllib.loads(paths.config_file().read_text())["keys"] == {"files_view": ["ctrl+k"], "help": ["f1", "ctrl+h"]}
