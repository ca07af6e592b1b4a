"""The registry of threads and assistants: ordering, flags, persistence, concurrent writers, odd titles."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib

import pytest

from asst_tui import paths
from asst_tui.registry import AssistantEntry, Registry, ThreadEntry, title_from_message

P = "work@https://api.openai.com/v1"
OTHER = "local@embedded"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ASST_TUI_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def reg() -> Registry:
    registry = Registry()
    registry.load()
    return registry


def ids(entries) -> list[str]:
    return [entry.id for entry in entries]


def restarted() -> Registry:
    """A new instance reading the file, as after an app restart."""
    registry = Registry()
    registry.load()
    return registry


def test_empty_registry(reg):
    assert reg.threads(P) == [] and reg.assistants(P) == []
    assert reg.get_thread(P, "thread_x") is None
    assert reg.problem is None
    assert reg.path == paths.registry_file()


def test_record_and_list_most_recent_first_per_identity(reg):
    reg.record_thread(P, ThreadEntry("thread_a", created_at=100, last_active=300))
    reg.record_thread(P, ThreadEntry("thread_b", created_at=200, last_active=200))
    reg.record_thread(P, ThreadEntry("thread_c", created_at=300, last_active=400))
    reg.record_thread(OTHER, ThreadEntry("thread_z"))
    assert ids(reg.threads(P)) == ["thread_c", "thread_a", "thread_b"]
    assert ids(reg.threads(OTHER)) == ["thread_z"]
    reg.touch_thread(P, "thread_b", at=500)
    assert ids(reg.threads(P)) == ["thread_b", "thread_c", "thread_a"]
    reg.touch_thread(P, "thread_a")
    assert ids(reg.threads(P))[0] == "thread_a"


def test_a_new_entry_is_stamped_now(reg):
    reg.record_thread(P, ThreadEntry("thread_a", assistant_id="asst_1"))
    entry = reg.get_thread(P, "thread_a")
    assert entry.created_at > 1_700_000_000 and entry.last_active >= entry.created_at
    assert (entry.title, entry.assistant_id, entry.archived, entry.stale) == ("", "asst_1", False, False)


def test_rename_and_title_from_first_message(reg):
    reg.record_thread(P, ThreadEntry("thread_a"))
    reg.set_title_if_empty(P, "thread_a", "\n  Plan   the\tweek \n second line")
    assert reg.get_thread(P, "thread_a").title == "Plan the week"
    reg.set_title_if_empty(P, "thread_a", "something else")
    assert reg.get_thread(P, "thread_a").title == "Plan the week"
    reg.rename_thread(P, "thread_a", "Weekly plan")
    assert reg.get_thread(P, "thread_a").title == "Weekly plan"


def test_title_from_message_cuts_long_lines():
    title = title_from_message("word " * 40)
    assert len(title) == 60 and title.endswith("…") and not title.endswith(" …")
    assert title_from_message("x" * 60) == "x" * 60
    assert title_from_message(" \n\t\n") == ""


def test_archive_stale_remove(reg):
    for name in ("thread_a", "thread_b"):
        reg.record_thread(P, ThreadEntry(name))
    reg.archive(P, "thread_a")
    assert ids(reg.threads(P)) == ["thread_b"]
    assert sorted(ids(reg.threads(P, include_archived=True))) == ["thread_a", "thread_b"]
    reg.unarchive(P, "thread_a")
    assert sorted(ids(reg.threads(P))) == ["thread_a", "thread_b"]

    reg.mark_stale(P, "thread_b")
    assert reg.get_thread(P, "thread_b").stale
    assert "thread_b" in ids(reg.threads(P))
    reg.mark_stale(P, "thread_b", stale=False)
    assert not reg.get_thread(P, "thread_b").stale

    reg.remove_thread(P, "thread_b")
    assert ids(reg.threads(P, include_archived=True)) == ["thread_a"]


def test_changes_to_unknown_threads_are_ignored(reg):
    reg.rename_thread(P, "thread_nope", "x")
    reg.touch_thread(P, "thread_nope")
    reg.remove_thread(P, "thread_nope")
    assert reg.threads(P, include_archived=True) == []


def test_adopt_thread_by_id(reg):
    reg.adopt_thread(P, "thread_new", title="Found it")
    assert reg.get_thread(P, "thread_new").title == "Found it"
    reg.record_thread(P, ThreadEntry("thread_old", title="Kept", created_at=1, last_active=1))
    reg.adopt_thread(P, "thread_old")
    old = reg.get_thread(P, "thread_old")
    assert (old.title, old.created_at) == ("Kept", 1) and old.last_active > 1


def test_assistants(reg):
    reg.record_assistant(P, AssistantEntry("asst_1", "Helper", created_at=1, last_active=5))
    reg.record_assistant(P, AssistantEntry("asst_2", "Coder", created_at=2, last_active=9))
    assert ids(reg.assistants(P)) == ["asst_2", "asst_1"]
    reg.remove_assistant(P, "asst_2")
    assert reg.assistants(P) == [AssistantEntry("asst_1", "Helper", created_at=1, last_active=5)]
    assert reg.assistants(OTHER) == []


def test_everything_survives_a_restart(reg):
    reg.record_assistant(P, AssistantEntry("asst_1", "Helper", created_at=1, last_active=2))
    reg.record_thread(P, ThreadEntry("thread_a", "A", "asst_1", created_at=10, last_active=20))
    reg.record_thread(P, ThreadEntry("thread_b", "B", None, created_at=11, last_active=21, archived=True))
    reg.record_thread(OTHER, ThreadEntry("thread_c", "C", created_at=12, last_active=22, stale=True))
    again = restarted()
    assert again.threads(P, include_archived=True) == reg.threads(P, include_archived=True)
    assert again.threads(OTHER) == [ThreadEntry("thread_c", "C", None, 12, 22, False, True)]
    assert again.assistants(P) == [AssistantEntry("asst_1", "Helper", 1, 2)]
    assert oct(paths.registry_file().stat().st_mode & 0o777) == "0o600"


def test_two_instances_never_lose_each_others_entries():
    first, second = restarted(), restarted()
    first.record_thread(P, ThreadEntry("thread_1"))
    second.record_thread(P, ThreadEntry("thread_2"))  # second had loaded before thread_1 existed
    first.rename_thread(P, "thread_2", "renamed by first")
    assert sorted(ids(restarted().threads(P))) == ["thread_1", "thread_2"]
    assert restarted().get_thread(P, "thread_2").title == "renamed by first"


WRITER = textwrap.dedent(
    """
    import sys
    from asst_tui.registry import Registry, ThreadEntry
    registry = Registry()
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(200):
        registry.record_thread(sys.argv[2], ThreadEntry(f"thread_{sys.argv[1]}_{i}", title=f"t{i}"))
    """
)


def test_two_processes_writing_at_once_keep_all_400_threads(home):
    env = {**os.environ, "ASST_TUI_HOME": str(home)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, tag, P],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline() == "ready\n"
        for writer in writers:  # both start writing at the same moment
            writer.stdin.write("go\n")
            writer.stdin.flush()
        for writer in writers:
            assert writer.wait(timeout=120) == 0
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
            writer.stdin.close()
            writer.stdout.close()
    threads = restarted().threads(P)
    assert len(threads) == 400
    assert {t.id for t in threads} == {f"thread_{tag}_{i}" for tag in "ab" for i in range(200)}


TITLES = [
    'say "hi"',
    "back\\slash \\n \\u0041 \\",
    "line 1\nline 2\r\nline 3",
    "[bold red]x[/]",
    "\x1b[31mred\x1b[0m",
    "tab\tand\x00nul\x08\x0c\x1f\x7f del",
    "ünïcödé 日本語 🎉 \u2028 \u00a0 \u0085",
    "''' and \"\"\"",
    "x], [y = \"z\" # not a comment",
    "",
]


def test_titles_are_stored_exactly(reg):
    for number, title in enumerate(TITLES):
        reg.record_thread(P, ThreadEntry(f"thread_{number}", title=title, created_at=number, last_active=number))
    reg.record_assistant(P, AssistantEntry("asst_q", name=TITLES[0] + TITLES[4]))
    again = restarted()
    assert [again.get_thread(P, f"thread_{n}").title for n in range(len(TITLES))] == TITLES
    assert again.assistants(P)[0].name == TITLES[0] + TITLES[4]
    # The file is real TOML: a standard parser reads the same titles.
    data = tomllib.loads(paths.registry_file().read_text(encoding="utf-8"))
    assert [row[1] for row in data["profiles"][0]["threads"]] == TITLES


def test_identity_with_odd_characters_round_trips(reg):
    odd = 'name "x"@https://host/v1?a=b\\c\n'
    reg.record_thread(odd, ThreadEntry("thread_a"))
    assert ids(restarted().threads(odd)) == ["thread_a"]


def test_lone_surrogates_become_replacement_characters(reg):
    reg.record_thread(P, ThreadEntry("thread_a", title="bad \ud800 half"))
    assert restarted().get_thread(P, "thread_a").title == "bad \ufffd half"


def test_a_hand_edited_toml_file_is_read(home):
    path = paths.registry_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        textwrap.dedent(
            """\
            [[profiles]]  # edited by hand
            identity = 'work@https://api.openai.com/v1'
            threads = [
              ['thread_a', 'literal \\ title', '', 1, 2, false, false],  # a comment
              ["thread_b", "esc \\u00e9 \\U0001F600", "asst_1", 3, 4, true, false],
            ]
            """
        )
    )
    registry = restarted()
    assert registry.problem is None
    assert registry.get_thread(P, "thread_a").title == "literal \\ title"
    assert registry.get_thread(P, "thread_b") == ThreadEntry("thread_b", "esc é 😀", "asst_1", 3, 4, True, False)


@pytest.mark.parametrize(
    "content",
    [
        "this is [not toml\n",
        b"\xff\xfe not utf-8",
        "profiles = 3\n",
        '[[profiles]]\nidentity = "x"\nthreads = [["thread_a", 5]]\n',
        '[[profiles]]\nthreads = []\n',
        "profiles = 1\n[[profiles]]\n",
    ],
)
def test_a_corrupt_file_is_kept_aside_and_an_empty_registry_started(home, content):
    path = paths.registry_file()
    path.parent.mkdir(parents=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    registry = restarted()
    assert registry.threads(P) == []
    assert registry.problem and "kept as registry.toml.corrupt-" in registry.problem
    [aside] = path.parent.glob("registry.toml.corrupt-*")
    assert aside.read_bytes() == content
    registry.record_thread(P, ThreadEntry("thread_new"))
    assert ids(restarted().threads(P)) == ["thread_new"]


def test_a_failed_write_keeps_the_previous_file(reg, monkeypatch):
    reg.record_thread(P, ThreadEntry("thread_a"))
    before = paths.registry_file().read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="disk full"):
        patch.setattr(os, "replace", broken_replace)
        reg.record_thread(P, ThreadEntry("thread_b"))
    assert paths.registry_file().read_bytes() == before
    assert sorted(os.listdir(paths.registry_file().parent)) == ["registry.toml", "registry.toml.lock"]
    reg.record_thread(P, ThreadEntry("thread_c"))  # the unwritten change is not carried into the next one
    assert set(ids(restarted().threads(P))) == {"thread_a", "thread_c"}


def test_title_skips_code_fence_lines():
    assert title_from_message("```python\nprint(6 * 7)\n```") == "print(6 * 7)"
    assert title_from_message("~~~\n\nimport os\n~~~") == "import os"
    assert title_from_message("```") == "```"


def test_a_file_edited_in_place_after_our_write_is_read_again(reg):
    reg.record_thread(P, ThreadEntry("thread_a", title="ours", created_at=1, last_active=1))
    text = reg.path.read_text(encoding="utf-8").replace('"ours"', '"edit"')
    with open(reg.path, "r+", encoding="utf-8") as file:  # same inode, same size: only the mtime tells
        file.write(text)
    os.utime(reg.path, ns=(os.stat(reg.path).st_atime_ns, os.stat(reg.path).st_mtime_ns + 1_000_000))
    reg.touch_thread(P, "thread_a", at=5)
    assert restarted().get_thread(P, "thread_a").title == "edit"
