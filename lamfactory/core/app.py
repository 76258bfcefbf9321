"""What an application is to lamfactory, and the registry of applications.

An application is one folder under `lamfactory/apps/` that builds one `App` and registers it under the
`lamfactory.apps` entry-point group (pyproject.toml), as Gymnasium registers environments:

    from lamfactory.core.app import get_app
    app = get_app("writer")
    with app.make_env() as env: ...

Stages take everything application-specific from the App: they never import an application's package.
Fields that would import heavy modules are plain callables the app implements lazily (e.g. with `lazy`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from lamfactory.core.actions import ActionSet
from lamfactory.core.families import Family
from lamfactory.core.records import DEFAULT_APP, TaskInstance, Template, Verdict
from lamfactory.core.safety import Rule

if TYPE_CHECKING:
    from lamfactory.core.env import Environment
    from lamfactory.core.state import StateView

ENTRY_POINT_GROUP = "lamfactory.apps"


class AppError(ValueError):
    """An unknown application or a file it cannot open (one line, fit for the CLI)."""


class AppCrashed(RuntimeError):
    """The application's process died or hung and the environment could not bring it back (e.g. LibreOffice's
    OfficeDied after its restarts failed too)."""


@dataclass(frozen=True)
class HelpSource:
    """Where the app's installed documentation lives and which of its pages belong to the app."""

    root: Path  # e.g. /usr/share/libreoffice/help/en-US/text
    folders: tuple[str, ...]  # relative to root, most relevant first
    variant: str = ""  # the app's class in pages that show per-module variants (LibreOffice's "WRITER")
    other_variants: frozenset[str] = frozenset()  # other modules' classes: such a variant is skipped


@dataclass(frozen=True)
class App:
    name: str  # registry id and the `app` of every record: "writer"
    display_name: str  # what prompts call it: "LibreOffice Writer"
    make_env: Callable[..., "Environment"]
    actions: ActionSet
    file_types: tuple[str, ...]  # suffixes the environment opens, e.g. (".docx", ".odt")
    state: "StateView"  # renders the app-defined observation state, finds argument candidates in it
    check_file: Callable[[str | Path, dict], Verdict] = field(repr=False)  # its checker language on a saved file
    families: Callable[[], dict[str, Family]] = field(repr=False)  # the offline prefill's task families
    build_templates: Callable[..., list[Template]] = field(repr=False)  # (out_dir) -> its template library
    template_content: Callable[[str | Path], Any] = field(repr=False)  # a template as its families sample it
    example_task: Callable[[Path], TaskInstance] = field(repr=False)  # (dir) -> a task on a small document it
    # writes there, whose check holds on that untouched document (tests/test_app_contract.py runs check_env on it)
    keys: tuple[str, ...] = ()  # key strokes a model may type (keyboard_input candidates)
    help: Optional[HelpSource] = None  # its installed documentation (the plans stage's "help" source)
    drop_reason: Optional[Callable[[str, str], Optional[str]]] = field(default=None, repr=False)  # (task, steps)
    # -> why a documented task is not for this app (plans/clean.py), or None
    safety_rules: Sequence[Rule] = ()  # its sensitive actions (agent/safety.py applies them)
    cli: Optional[Callable[[], Any]] = field(default=None, repr=False)  # () -> a typer app: `lamfactory env NAME ...`

    def check_suffix(self, path: str | Path) -> None:
        """Raise AppError unless the app opens files of this type."""
        suffix = Path(path).suffix.lower()
        if suffix not in self.file_types:
            raise AppError(f"{Path(path).name}: {self.display_name} does not open {suffix or 'files without a suffix'}"
                           f" here; expected one of {', '.join(self.file_types)}")


def lazy(target: str) -> Callable[..., Any]:
    """A callable that imports "module:name" when first called and calls it, so registering an App imports none
    of its heavy modules."""
    module, _, name = target.partition(":")

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


_REGISTRY: dict[str, App] = {}


def _load_entry_points() -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _REGISTRY:
            app = ep.load()
            _REGISTRY[app.name] = app


def app_names() -> list[str]:
    _load_entry_points()
    return sorted(_REGISTRY)


def app_for(path: str | Path) -> App:
    """The registered application that opens files of this suffix (.xlsx -> Calc); the default app when none
    or several do (its check_suffix then names the problem)."""
    suffix = Path(path).suffix.lower()
    owners = [name for name in app_names() if suffix in _REGISTRY[name].file_types]
    return get_app(owners[0] if len(owners) == 1 else DEFAULT_APP)


def get_app(name: str = DEFAULT_APP) -> App:
    """The registered application `name` (from the `lamfactory.apps` entry points); AppError if none."""
    if name not in _REGISTRY:
        _load_entry_points()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise AppError(f"unknown application {name!r}; known: {', '.join(sorted(_REGISTRY)) or 'none'}") from None
