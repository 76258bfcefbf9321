"""What an application is to lamfactory, and the registry of applications.

An application is one folder under `lamfactory/apps/` that builds one `App` and registers it under the
`lamfactory.apps` entry-point group (pyproject.toml), as Gymnasium registers environments:

    from lamfactory.core.app import get_app
    app = get_app("writer")
    with app.make_env() as env: ...

Stages take everything application-specific from the App: they never import an application's package.
Fields that would import heavy modules are plain callables the app implements lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from lamfactory.core.actions import ActionSet
from lamfactory.core.records import DEFAULT_APP, Template, Verdict

if TYPE_CHECKING:
    from lamfactory.core.env import Environment
    from lamfactory.core.state import StateView

ENTRY_POINT_GROUP = "lamfactory.apps"


class AppError(ValueError):
    """An unknown application or a file it cannot open (one line, fit for the CLI)."""


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
    document_noun: str  # what its files are to a user: "document", "workbook"
    make_env: Callable[..., "Environment"]
    actions: ActionSet
    file_types: tuple[str, ...]  # suffixes the environment opens, e.g. (".docx", ".odt")
    output_suffix: str  # default suffix of a result file
    state: "StateView"  # renders the app-defined observation state, finds argument candidates in it
    keys: tuple[str, ...] = ()  # key strokes a model may type (keyboard_input candidates)
    check_file: Callable[[str | Path, dict], Verdict] = field(default=None, repr=False)  # checker on a saved file
    families: Callable[[], dict[str, Any]] = field(default=None, repr=False)  # offline prefill's task families
    build_templates: Callable[..., list[Template]] = field(default=None, repr=False)  # (out_dir) -> templates
    template_content: Callable[[str | Path], Any] = field(default=None, repr=False)  # what families sample from
    help: Optional[HelpSource] = None
    drop_reason: Callable[[str, str], Optional[str]] = field(default=None, repr=False)  # (task, steps) relevance
    safety_rules: Sequence[Any] = ()  # agent.safety.Rule-shaped (name, control regex, keys regex)
    example_task: Callable[[Path], Any] = field(default=None, repr=False)  # (dir) -> a TaskInstance on a small
    # document it writes there, whose check holds on that untouched document (the contract test uses it)
    cli: Optional[Callable[[], Any]] = None  # () -> a typer app: `lamfactory env --app NAME ...` commands

    def check_suffix(self, path: str | Path) -> None:
        """Raise AppError unless the app opens files of this type."""
        suffix = Path(path).suffix.lower()
        if suffix not in self.file_types:
            raise AppError(f"{Path(path).name}: {self.display_name} does not open {suffix or 'files without a suffix'}"
                           f" here; expected one of {', '.join(self.file_types)}")


_REGISTRY: dict[str, App] = {}


def register_app(app: App) -> App:
    _REGISTRY[app.name] = app
    return app


def _load_entry_points() -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _REGISTRY:
            app = ep.load()
            _REGISTRY[app.name] = app


def app_names() -> list[str]:
    _load_entry_points()
    return sorted(_REGISTRY)


def get_app(name: str = DEFAULT_APP) -> App:
    """The registered application `name` (from the `lamfactory.apps` entry points); AppError if none."""
    if name not in _REGISTRY:
        _load_entry_points()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise AppError(f"unknown application {name!r}; known: {', '.join(sorted(_REGISTRY)) or 'none'}") from None
