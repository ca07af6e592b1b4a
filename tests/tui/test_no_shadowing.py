"""No screen or widget of the app hides one of Textual's own methods (a worker named `remove` did: issue 12)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.app import App
from textual.screen import Screen
from textual.widget import Widget

import asst_tui.tui
from asst_tui.tui.app import AsstApp
from asst_tui.tui.screens.files_view import FilesScreen

from .helpers import SIZE, make_app, ready, wait_for


def _textual_names(base: type) -> set[str]:
    """Textual's public names on `base` and its bases (Widget.remove, Screen.dismiss, App.exit…)."""
    return {
        name for klass in base.__mro__ if klass.__module__.startswith("textual.")
        for name in vars(klass) if not name.startswith("_")
    }


def _own_classes() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(asst_tui.tui.__path__, "asst_tui.tui."):
        module = importlib.import_module(info.name)
        found += [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    return found + [AsstApp]


def _callable_as(own: object, textual: object) -> bool:
    """Whether `own` can stand in for Textual's `textual`: same kind, and callable with Textual's arguments."""
    if callable(own) != callable(textual) or isinstance(own, property) != isinstance(textual, property):
        return False
    if not callable(own) or isinstance(own, type):
        return True
    try:
        ours, theirs = inspect.signature(own), inspect.signature(textual)
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_POSITIONAL for p in ours.parameters.values()):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    given = [p for p in theirs.parameters.values() if p.kind in positional]
    taken = [p for p in ours.parameters.values() if p.kind in positional]
    required = [p for p in taken if p.default is p.empty]
    keywords = {p.name for p in theirs.parameters.values() if p.kind is p.KEYWORD_ONLY}
    accepts_keywords = any(p.kind is p.VAR_KEYWORD for p in ours.parameters.values())
    return (
        len(required) <= len(given) <= len(taken)
        and (accepts_keywords or keywords <= set(ours.parameters))
        and not any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in ours.parameters.values())
    )


def shadowing(klass: type) -> list[str]:
    """The attributes of `klass` (above Textual in its MRO) that replace a Textual one with something else."""
    bases = [base for base in (Widget, App) if issubclass(klass, base)]
    if not bases:
        return []
    found = []
    for own_class in klass.__mro__:
        if own_class.__module__.startswith("textual."):
            break
        for name, own in vars(own_class).items():
            if name.startswith("_") or not any(name in _textual_names(base) for base in bases):
                continue
            textual = next(getattr(base, name) for base in bases if hasattr(base, name))
            if not _callable_as(own, textual):
                found.append(f"{own_class.__qualname__}.{name}")
    return found


def test_no_class_of_the_app_shadows_a_textual_method() -> None:
    assert sorted({name for klass in _own_classes() for name in shadowing(klass)}) == []


def test_the_check_finds_a_shadowing_worker() -> None:
    class Shadowing(Screen):
        def remove(self, row: int) -> None:  # what FilesScreen's worker did
            """Not Widget.remove."""

        def refresh(self, *regions: object, layout: bool = False) -> None:  # a compatible override
            """Fine."""

    assert shadowing(Shadowing) == ["test_the_check_finds_a_shadowing_worker.<locals>.Shadowing.remove"]


async def test_the_files_view_opens_from_the_palette_and_closes(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette", what="palette")
        await pilot.press(*"files and vector stores")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FilesScreen), what="files view")
        await pilot.pause(0.2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilesScreen), what="files view closed")
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
