"""Atomic writes: the new content or the old one, never a half-written file, and no temp files left."""

from __future__ import annotations

import os
import stat

import pytest

from asst_tui.atomic import write_bytes_atomic, write_text_atomic


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_text_exactly_and_creates_parent_dirs(tmp_path):
    target = tmp_path / "a" / "b" / "notes.md"
    write_text_atomic(target, "line 1\r\nline 2 — ünïcode\n")
    assert target.read_bytes() == "line 1\r\nline 2 — ünïcode\n".encode()
    assert os.listdir(target.parent) == ["notes.md"]


def test_replaces_existing_file_without_leaving_temp_files(tmp_path):
    target = tmp_path / "data.bin"
    write_bytes_atomic(target, b"old")
    write_bytes_atomic(target, b"\x00new\xff")
    assert target.read_bytes() == b"\x00new\xff"
    assert os.listdir(tmp_path) == ["data.bin"]


def test_mode_is_applied_and_otherwise_kept(tmp_path):
    target = tmp_path / "secret.toml"
    write_text_atomic(target, "a = 1\n", mode=0o600)
    assert _mode(target) == 0o600
    write_text_atomic(target, "a = 2\n")
    assert _mode(target) == 0o600
    target.chmod(0o640)
    write_text_atomic(target, "a = 3\n")
    assert _mode(target) == 0o640


def test_new_file_gets_the_mode_the_umask_gives_not_the_temp_file_0600(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    write_text_atomic(tmp_path / "new.txt", "x")
    assert _mode(tmp_path / "new.txt") == 0o666 & ~umask


def test_failure_before_rename_leaves_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "transcript.md"
    write_text_atomic(target, "old content\n")

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_text_atomic(target, "new content\n")
    assert target.read_text() == "old content\n"
    assert os.listdir(tmp_path) == ["transcript.md"]


def test_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    target = tmp_path / "download.bin"

    def broken_fsync(fd):
        raise OSError("no space left")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="no space left"):
        write_bytes_atomic(target, b"payload")
    assert os.listdir(tmp_path) == []
