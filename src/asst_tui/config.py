"""Settings and connection profiles: config.toml, read with tomllib and written with tomli-w.

A broken file never stops the program: what cannot be used is dropped and reported as a ConfigProblem.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from asst_tui import paths
from asst_tui.atomic import write_text_atomic

KINDS = ("local", "openai", "azure")
OPENAI_BASE_URL = "https://api.openai.com/v1"
LOCAL_ONLY_KEYS = ("engine", "demo_delay_ms", "upstream_base_url", "upstream_api_key_env", "models")
_EXPECTED_KINDS = "expected local, openai or azure"


@dataclass(frozen=True)
class FunctionHandler:
    """A local command that answers one function tool: arguments as JSON on stdin, stdout as the output."""

    command: str
    auto: bool = False  # run without asking first
    timeout: float = 30.0  # seconds


@dataclass(frozen=True)
class KeySetting:
    """One `[keys]` entry: the keys written for an action (checked against the key table by tui/keymap.py)."""

    keys: tuple[str, ...]
    path: Path
    line: int | None


class ConfigError(Exception):
    """The configuration cannot do what was asked (e.g. an unknown profile name)."""


@dataclass
class Profile:
    """One backend the client can talk to."""

    name: str
    kind: str
    base_url: str | None = None
    api_key_env: str | None = None
    api_key: str | None = field(default=None, repr=False)
    azure_endpoint: str | None = None
    api_version: str | None = None
    organization: str | None = None
    project: str | None = None
    default_assistant: str | None = None
    engine: str | None = None
    demo_delay_ms: int | None = None
    upstream_base_url: str | None = None
    upstream_api_key_env: str | None = None
    models: dict[str, str] = field(default_factory=dict)  # assistant model -> upstream model (chat engine)
    handlers: dict[str, FunctionHandler] = field(default_factory=dict)

    def resolve_api_key(self) -> str | None:
        """The key written in the profile, else the value of the environment variable it names."""
        if self.api_key:
            return self.api_key
        if self.api_key_env:
            return os.environ.get(self.api_key_env) or None
        return None

    @property
    def url(self) -> str | None:
        """The server this profile talks to; None for the embedded server."""
        if self.base_url:
            return self.base_url
        return OPENAI_BASE_URL if self.kind == "openai" else self.azure_endpoint

    @property
    def identity(self) -> str:
        """Name and server together: the registry keeps one set of threads per identity."""
        return f"{self.name}@{self.url or 'embedded'}"


_BUILTIN_LOCAL = Profile("local", "local")
_KEY_TYPES = {
    f.name: {"demo_delay_ms": int, "models": dict}.get(f.name, str) for f in fields(Profile) if f.name not in ("name", "handlers")
}
_HANDLER_KEYS = "command, auto, timeout"


@dataclass
class Config:
    """What config.toml says, with the built-in defaults (and the `local` profile) filled in."""

    default_profile: str = "local"
    theme: str = "asst-dark"
    transcripts_dir: Path | None = None
    inline_images: bool = True  # draw images in the chat when textual-image is installed
    keys: dict[str, KeySetting] = field(default_factory=dict)  # [keys]: action -> the keys written for it
    profiles: dict[str, Profile] = field(default_factory=lambda: {"local": Profile("local", "local")})

    def profile(self, name: str | None = None) -> Profile:
        """The profile called `name` (default: the default profile)."""
        name = name or self.default_profile
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles))
            raise ConfigError(f"no profile named {name!r} (known profiles: {known})") from None


@dataclass(frozen=True)
class ConfigProblem:
    """Something in the file that could not be used and was left out."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path.name}:{self.line}" if self.line else self.path.name
        return f"{where}: {self.message}"


def load_config(path: Path | None = None) -> tuple[Config, list[ConfigProblem]]:
    """Read config.toml; never raises: a missing file gives the defaults, a broken one defaults plus problems."""
    path = path or paths.config_file()
    text, data, problem = _read(path)
    if problem:
        return Config(), [ConfigProblem(path, problem.line, f"{problem.message}; the default settings are used")]
    return _Reader(path, text).config(data)


def save_config(config: Config, path: Path | None = None) -> None:
    """Write config.toml atomically, mode 0600; only non-default settings are written.

    Profiles hold only keys that were written in the file, never one read from the environment.
    """
    defaults = Config()
    data: dict[str, Any] = {}
    if config.default_profile != defaults.default_profile:
        data["default_profile"] = config.default_profile
    if config.theme != defaults.theme:
        data["theme"] = config.theme
    if config.transcripts_dir:
        data["transcripts_dir"] = str(config.transcripts_dir)
    if config.inline_images != defaults.inline_images:
        data["inline_images"] = config.inline_images
    if config.keys:
        data["keys"] = {name: list(setting.keys) for name, setting in config.keys.items()}
    profiles = {
        name: {key: value for key, value in asdict(profile).items() if key != "name" and value not in (None, {})}
        for name, profile in config.profiles.items()
        if profile != _BUILTIN_LOCAL
    }
    if profiles:
        data["profiles"] = profiles
    write_text_atomic(path or paths.config_file(), tomli_w.dumps(data), mode=0o600)


def set_theme(name: str, path: Path | None = None) -> None:
    """Change the theme in config.toml, keeping every other value in the file (comments are not kept)."""
    path = path or paths.config_file()
    _, data, problem = _read(path)
    if problem:
        raise ConfigError(f"theme not saved: {problem}; fix the file first")
    data["theme"] = name
    write_text_atomic(path, tomli_w.dumps(data), mode=0o600)


def _read(path: Path) -> tuple[str, dict[str, Any], ConfigProblem | None]:
    """The file's text and parsed TOML ("" and {} if it does not exist), or why it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return "", {}, None
    except (OSError, UnicodeDecodeError) as exc:
        return "", {}, ConfigProblem(path, None, f"cannot be read ({exc})")
    try:
        return text, tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11 exposes the position only inside the message: "Reason (at line 3, column 7)".
        match = re.fullmatch(r"(.*) \(at (?:line (\d+), column (\d+)|end of document)\)", str(exc), re.S)
        if not match:
            return "", {}, ConfigProblem(path, None, f"invalid TOML: {exc}")
        reason, line, column = match.groups()
        if line is None:
            return "", {}, ConfigProblem(path, len(text.splitlines()) or None, f"invalid TOML at the end: {reason}")
        return "", {}, ConfigProblem(path, int(line), f"invalid TOML at column {column}: {reason}")


def _line_of(lines: list[str], keys: list[str]) -> int | None:
    """Best-effort line of a dotted key: each part is looked for from the line where the previous one was."""
    line = None
    for key in keys:
        pattern = re.compile(rf"(?:^|[\s.\[{{,])[\"']?{re.escape(key)}[\"']?\s*[.=\]]")
        hit = next((n for n in range((line or 1) - 1, len(lines)) if pattern.search(lines[n])), None)
        if hit is None:
            break
        line = hit + 1
    return line


_TYPE_NAMES = {
    str: "a string", int: "an integer", bool: "a boolean", float: "a float", dict: "a table", list: "an array"
}


def _describe(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), "a date or time")


class _Reader:
    """Turns parsed TOML into a Config, with a problem for everything it has to drop."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()
        self.problems: list[ConfigProblem] = []

    def problem(self, keys: list[str], message: str, at: list[str] | None = None) -> None:
        line = _line_of(self.lines, at or keys)
        self.problems.append(ConfigProblem(self.path, line, f"{'.'.join(keys)}: {message}"))

    def typed(self, value: Any, expected: type, keys: list[str]) -> Any:
        """`value` if it has the expected type, else None and a problem."""
        if type(value) is expected:
            return value
        self.problem(keys, f"expected {_TYPE_NAMES[expected]}, got {_describe(value)}; ignored")
        return None

    def readable_by_others(self) -> bool:
        try:
            return self.path.stat().st_mode & 0o077 != 0
        except OSError:
            return True

    def config(self, data: dict[str, Any]) -> tuple[Config, list[ConfigProblem]]:
        config = Config()
        for key, value in data.items():
            if key == "profiles":
                self.profiles(config, value)
            elif key in ("default_profile", "theme"):
                if (text := self.typed(value, str, [key])) is not None:
                    setattr(config, key, text)
            elif key == "transcripts_dir":
                if (text := self.typed(value, str, [key])) is not None:
                    config.transcripts_dir = Path(text).expanduser()
            elif key == "inline_images":
                if (flag := self.typed(value, bool, [key])) is not None:
                    config.inline_images = flag
            elif key == "keys":
                self.keys(config, value)
            else:
                self.problem([key], "unknown setting (known: default_profile, theme, transcripts_dir, inline_images, "
                             "keys, profiles)")
        if config.default_profile not in config.profiles:
            self.problem(["default_profile"], f"no profile named {config.default_profile!r}; 'local' is used")
            config.default_profile = "local"
        return config, sorted(self.problems, key=lambda problem: problem.line or 0)

    def keys(self, config: Config, table: Any) -> None:
        """`[keys]`: action = "key" or ["key", "key"]; whether the action and keys exist is the TUI's to say."""
        if type(table) is not dict:
            self.problem(["keys"], f"expected a table of actions, got {_describe(table)}; ignored")
            return
        for name, value in table.items():
            keys = [value] if type(value) is str else value
            if type(keys) is not list or any(type(key) is not str for key in keys):
                self.problem(["keys", name], f"expected a key or an array of keys, got {_describe(value)}; ignored")
                continue
            config.keys[name] = KeySetting(tuple(keys), self.path, _line_of(self.lines, ["keys", name]))

    def profiles(self, config: Config, table: Any) -> None:
        if type(table) is not dict:
            self.problem(["profiles"], f"expected a table of profiles, got {_describe(table)}; ignored")
            return
        for name, settings in table.items():
            if profile := self.profile(name, settings):
                config.profiles[name] = profile

    def profile(self, name: str, settings: Any) -> Profile | None:
        keys = ["profiles", name]
        if type(settings) is not dict:
            self.problem(keys, f"expected a table, got {_describe(settings)}; profile ignored")
            return None
        kind = settings.get("kind", "local" if name == "local" else None)
        if kind not in KINDS:
            what = "missing kind" if kind is None else f"unknown kind {kind!r}"
            self.problem(keys, f"{what} ({_EXPECTED_KINDS}); profile ignored", at=[*keys, "kind"])
            return None
        values: dict[str, Any] = {}
        for key, value in settings.items():
            if key == "kind":
                continue
            if key == "handlers":
                values["handlers"] = self.handlers([*keys, key], value)
            elif key not in _KEY_TYPES:
                self.problem([*keys, key], f"unknown key (known: {', '.join(_KEY_TYPES)}, handlers); ignored")
            elif key in LOCAL_ONLY_KEYS and kind != "local":
                self.problem([*keys, key], "only used by profiles of kind 'local'; ignored")
            elif (checked := self.typed(value, _KEY_TYPES[key], [*keys, key])) is not None:
                values[key] = self.models([*keys, key], checked) if key == "models" else checked
        if "api_key" in values and self.readable_by_others():
            del values["api_key"]
            self.problem(
                [*keys, "api_key"],
                f"key refused because {self.path} can be read by other users: run "
                f"'chmod 600 {shlex.quote(str(self.path))}', or put the key in an environment variable "
                "named by api_key_env",
            )
        return Profile(name, kind, **values)

    def models(self, keys: list[str], table: dict[str, Any]) -> dict[str, str]:
        """`[profiles.local.models]`: assistant model -> upstream model, both strings."""
        return {name: model for name, model in table.items() if self.typed(model, str, [*keys, name]) is not None}

    def handlers(self, keys: list[str], table: Any) -> dict[str, FunctionHandler]:
        """`[profiles.NAME.handlers]`: function name -> a command line, or a table with command, auto, timeout."""
        if type(table) is not dict:
            self.problem(keys, f"expected a table of function names, got {_describe(table)}; ignored")
            return {}
        handlers = {}
        for name, spec in table.items():
            if handler := self.handler([*keys, name], {"command": spec} if type(spec) is str else spec):
                handlers[name] = handler
        return handlers

    def handler(self, keys: list[str], spec: Any) -> FunctionHandler | None:
        if type(spec) is not dict:
            self.problem(keys, f"expected a command line or a table ({_HANDLER_KEYS}), got {_describe(spec)}; ignored")
            return None
        for key in sorted(set(spec) - {"command", "auto", "timeout"}):
            self.problem([*keys, key], f"unknown key (known: {_HANDLER_KEYS}); ignored")
        command = spec.get("command")
        try:
            words = shlex.split(command) if type(command) is str else []
        except ValueError as exc:
            self.problem([*keys, "command"], f"cannot be split into words ({exc}); handler ignored")
            return None
        if not words:
            self.problem(keys, "needs a command (the program to run, and its arguments); handler ignored")
            return None
        auto = self.typed(spec.get("auto", False), bool, [*keys, "auto"])
        timeout = spec.get("timeout", 30.0)
        if type(timeout) not in (int, float) or timeout <= 0:
            self.problem([*keys, "timeout"], "expected a number of seconds above 0; 30 is used")
            timeout = 30.0
        return FunctionHandler(command, bool(auto), float(timeout))
