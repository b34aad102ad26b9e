"""Commands, and the keys that run them, declared on the method that does the work.

    class Controller(QObject):
        @command("Pick", keys=("P",))
        def pick(self) -> None: ...

        @command("Rate 1 star", name="rate_1", keys=("1",), args=(1,))
        @command("Rate 2 stars", name="rate_2", keys=("2",), args=(2,))
        def rate(self, stars: int) -> None: ...

A component registers itself with the window's :class:`CommandRegistry`
(``registry.register(self)``); the registry makes one ``QAction`` per command, with its
text, keys and tooltip, so menus, toolbars, shortcuts and tests all run the same handler.
Nothing dispatches by building method names from strings: a command is found because its
method says what it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence


class View(StrEnum):
    """What the centre of the window shows; some commands apply in some views only."""

    SERIES = "series"
    LOUPE = "loupe"
    COMPARE = "compare"


EVERY_VIEW = frozenset(View)
_SPECS = "__gui_commands__"


@dataclass(frozen=True)
class CommandSpec:
    """What a command is called, what it says, which keys run it and where it applies."""

    name: str
    text: str
    keys: tuple[str, ...] = ()
    args: tuple[Any, ...] = ()
    views: frozenset[View] = EVERY_VIEW
    checkable: bool = False
    tip: str = ""  # the toolbar text, when it is shorter than ``text``


def command(
    text: str,
    *,
    name: str | None = None,
    keys: Iterable[str] = (),
    args: tuple[Any, ...] = (),
    views: Iterable[View] | None = None,
    checkable: bool = False,
    tip: str = "",
) -> Callable:
    """Declare the decorated method a command (stack several for one handler with arguments)."""

    def decorate(func: Callable) -> Callable:
        spec = CommandSpec(
            name=name or func.__name__,
            text=text,
            keys=tuple(keys),
            args=args,
            views=frozenset(views) if views is not None else EVERY_VIEW,
            checkable=checkable,
            tip=tip,
        )
        func.__dict__.setdefault(_SPECS, []).insert(0, spec)  # decorators apply bottom-up
        return func

    return decorate


def declared(owner: object) -> list[tuple[CommandSpec, Callable]]:
    """The commands ``owner``'s class declares, each with its bound handler, in source order."""
    found = []
    seen: set[str] = set()
    for cls in type(owner).__mro__:
        if cls.__module__.startswith(("PySide6", "Shiboken", "builtins")):
            continue
        for attr, func in vars(cls).items():
            if attr in seen:
                continue
            seen.add(attr)
            for spec in getattr(func, _SPECS, ()):
                found.append((spec, getattr(owner, attr)))
    return found


class Command(QObject):
    """A declared command bound to its handler, with the QAction that triggers it."""

    def __init__(self, spec: CommandSpec, handler: Callable, registry: CommandRegistry) -> None:
        super().__init__(registry)
        self.spec = spec
        self.handler = handler
        self.available = True  # its owner may switch it off, e.g. Undo with nothing to undo
        self._registry = registry
        self.action = QAction(spec.text, self)
        self.action.setShortcuts([QKeySequence(k) for k in spec.keys])
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setCheckable(spec.checkable)
        self.action.triggered.connect(self.run)
        keys = self.action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.action.setToolTip(f"{spec.text} ({keys})" if keys else spec.text)
        if spec.tip:
            self.action.setIconText(spec.tip)

    def run(self, *_ignored: Any) -> None:
        if self.action.isEnabled():
            self.handler(*self.spec.args)

    def set_checked(self, checked: bool) -> None:
        """Show a switch's state (a slot: connect a setting's ``changed`` to it)."""
        self.action.setChecked(checked)

    def set_available(self, available: bool) -> None:
        """Switch the command off (or on again) whatever the view, e.g. Cancel when idle."""
        self.available = available
        self.update_enabled(self._registry.view)

    def update_enabled(self, view: View) -> None:
        self.action.setEnabled(self.available and view in self.spec.views)


class CommandRegistry(QObject):
    """Every command of one window by name; enables each in the views it applies to."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._commands: dict[str, Command] = {}
        self.view = View.SERIES

    def register(self, owner: object) -> None:
        """Add every command ``owner``'s class declares."""
        for spec, handler in declared(owner):
            self.add(spec, handler)

    def add(self, spec: CommandSpec, handler: Callable) -> None:
        """Add one command (for families built from data, such as the frame criteria)."""
        if spec.name in self._commands:
            raise ValueError(f"two commands are called {spec.name!r}")
        self._commands[spec.name] = Command(spec, handler, self)
        self._commands[spec.name].update_enabled(self.view)

    def __contains__(self, name: str) -> bool:
        return name in self._commands

    def __iter__(self):
        return iter(self._commands.values())

    def get(self, name: str) -> Command:
        try:
            return self._commands[name]
        except KeyError:
            raise KeyError(f"no command {name!r}") from None

    def action(self, name: str) -> QAction:
        return self.get(name).action

    def actions(self) -> list[QAction]:
        return [c.action for c in self._commands.values()]

    def run(self, name: str) -> None:
        """Run a command as its key would (nothing happens where it does not apply)."""
        self.get(name).run()

    def set_checked(self, name: str, checked: bool) -> None:
        self.get(name).set_checked(checked)

    def set_available(self, name: str, available: bool) -> None:
        self.get(name).set_available(available)

    def set_view(self, view: View) -> None:
        self.view = View(view)
        self._update_enabled()

    def _update_enabled(self) -> None:
        for cmd in self._commands.values():
            cmd.update_enabled(self.view)
