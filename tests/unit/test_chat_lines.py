"""The chat pane's column of entries: tops stay right, and a change asks again only the height of what changed."""

from __future__ import annotations

from asst_tui.tui.widgets.chat_entry import Entry
from asst_tui.tui.widgets.chat_lines import EntryList


class CountedEntry(Entry):
    """An entry that counts how often its height is asked."""

    asked = 0

    @property
    def height(self) -> int:
        CountedEntry.asked += 1
        return super().height


def make_column(count: int) -> tuple[EntryList, list[CountedEntry]]:
    entries = [CountedEntry("assistant", f"message {i}\n\n" + "word " * (i % 7 * 30)) for i in range(count)]
    made = EntryList()
    made.set_width(60)
    made.insert(0, entries)
    return made, entries


def expected_tops(entries: list[Entry]) -> list[int]:
    tops = [0]
    for entry in entries:
        tops.append(tops[-1] + Entry.height.fget(entry))
    return tops


def test_a_change_near_the_top_asks_only_that_entrys_height() -> None:
    column, entries = make_column(2000)
    assert column.total == expected_tops(entries)[-1]
    CountedEntry.asked = 0
    entries[3].append(" more text " * 40)
    column.changed(entries[3])
    assert column.total == expected_tops(entries)[-1]
    assert CountedEntry.asked == 1  # not the 1,997 entries below it


def test_tops_and_positions_follow_inserts_removals_and_changes() -> None:
    column, entries = make_column(50)
    older = [CountedEntry("user", f"older {i}") for i in range(5)]
    column.insert(0, older)
    everything = older + entries
    entries[10].append("\n\n- a\n- b\n- c")
    column.changed(entries[10])
    column.remove(entries[20])
    everything.remove(entries[20])
    tops = expected_tops(everything)
    assert column.total == tops[-1]
    assert [column.top(position) for position in range(len(everything))] == tops[:-1]
    assert column.index(entries[20]) is None
    assert column.index(entries[21]) == len(older) + 20
    for line in (0, 7, tops[30] + 1, tops[-1] - 1):
        position = column.at(line)
        assert tops[position] <= line < tops[position + 1]
    column.set_width(30)
    assert column.total == expected_tops(everything)[-1]
