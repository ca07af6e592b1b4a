"""Test support for per-key projects: keys made with the real `asst-tui keys` command, and a server open to them."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openai

from asst_tui.cli import main
from asst_tui.server import EmbeddedServer

from .conftest import sync_client


def keys_command(*args: str) -> tuple[int, str, str]:
    """Run `asst-tui keys ARGS...` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["keys", *args])
    return status, out.getvalue(), err.getvalue()


def create_key(keys_file: Path, project: str) -> str:
    """A new key of `project` in `keys_file`, as `asst-tui keys create` prints it."""
    status, out, err = keys_command("create", "--project", project, "--keys-file", str(keys_file))
    assert status == 0, err
    return out.strip()


@dataclass
class TwoProjects:
    """One server and a client per project: `a` (project team-a) and `b` (project team-b)."""

    server: EmbeddedServer
    keys_file: Path
    a: openai.OpenAI
    b: openai.OpenAI


def two_projects(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> TwoProjects:
    keys_file = tmp_path / "keys.toml"
    key_a, key_b = create_key(keys_file, "team-a"), create_key(keys_file, "team-b")
    server = make_server(keys_file=keys_file)
    return TwoProjects(server, keys_file, sync_client(server.base_url, key_a), sync_client(server.base_url, key_b))
