"""The action vocabulary machinery, defined once (as BrowserGym does): an application composes its ActionSet
from the shared GUI primitives plus its own functions; the environment validates with it, the prompt
describes it, the parser checks against it and the random policy samples from it.

Each function has typed arguments; `ActionSet.validate(action)` returns the normalised args or raises
ActionError with a message that can be shown to a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

from lamfactory.core.records import Action


class ActionError(ValueError):
    """A bad action: unknown function, missing/invalid argument, missing control."""


@dataclass(frozen=True)
class Arg:
    name: str
    type: type  # str | int | bool
    required: bool = True
    default: Any = None
    doc: str = ""
    # an int that numbers a part of the state ("paragraph", "table": StateHints.parts): it takes only the numbers
    # the state has, and the option the scorer reads shows that part's text (an index alone says nothing)
    refers: str = ""


@dataclass(frozen=True)
class Function:
    name: str
    doc: str
    needs_control: bool
    args: tuple[Arg, ...] = field(default_factory=tuple)

    def signature(self) -> str:
        parts = ["control"] if self.needs_control else []
        for a in self.args:
            parts.append(a.name if a.required else f"{a.name}={a.default!r}")
        return f"{self.name}({', '.join(parts)})"


class ActionSet:
    """An application's action vocabulary: the shared GUI primitives plus its own functions (as BrowserGym's
    action subsets compose). The environment validates with it, the prompt describes it, the parser and the
    decoder choose from it and the random policy samples from it."""

    def __init__(self, functions: Iterable[Function]):
        self.functions: dict[str, Function] = {f.name: f for f in functions}

    def __iter__(self) -> Iterator[str]:
        return iter(self.functions)

    def __contains__(self, name: object) -> bool:
        return name in self.functions

    def __getitem__(self, name: str) -> Function:
        return self.functions[name]

    def get(self, name: str) -> Optional[Function]:
        return self.functions.get(name)

    def values(self):
        return self.functions.values()

    def extend(self, *functions: Function) -> "ActionSet":
        return ActionSet([*self.functions.values(), *functions])

    def validate(self, action: Action) -> dict[str, Any]:
        """Check function name and args; return args with defaults filled and types coerced."""
        fn = self.functions.get(action.function)
        if fn is None:
            raise ActionError(f"unknown function {action.function!r}; known: {', '.join(self.functions)}")
        if fn.needs_control and not (action.control_label or action.control_name):
            raise ActionError(f"{fn.name} needs a control (control_label or control_name)")
        known = {a.name for a in fn.args}
        extra = set(action.args) - known
        if extra:
            raise ActionError(f"{fn.name}: unexpected argument(s) {sorted(extra)}; expected {fn.signature()}")
        out: dict[str, Any] = {}
        for a in fn.args:
            if a.name not in action.args:
                if a.required:
                    raise ActionError(f"{fn.name}: missing argument {a.name!r}; expected {fn.signature()}")
                out[a.name] = a.default
                continue
            out[a.name] = _coerce(fn.name, a, action.args[a.name])
        return out

    def describe(self) -> str:
        """The function list as shown in prompts."""
        return "\n".join(f"- {f.signature()}: {f.doc}" for f in self.functions.values())


# The GUI primitives every application shares (the paper's click_input, set_edit_text, keyboard_input,
# wheel_mouse_input, plus choosing a list item and saving); an application adds its own API functions.
GUI_PRIMITIVES = ActionSet([
    Function("click_input", "Click a control (button, menu, menu item, check box, list item).", True,
             (Arg("button", str, False, "left", "left|right"), Arg("double", bool, False, False))),
    Function("set_edit_text", "Replace the text/value of an edit, spin or combo box control.", True,
             (Arg("text", str, doc="the new value"),)),
    Function("keyboard_input", "Type text or key combos into the focused document, e.g. 'Hello', "
             "'{ENTER}', '^b' (Ctrl+B), '^{END}'.", False, (Arg("keys", str),)),
    Function("select_item", "Choose an item of a combo box / list box control.", True,
             (Arg("item", str),)),
    Function("save", "Save the document.", False, ()),
    Function("wheel_mouse_input", "Scroll the document.", False, (Arg("wheel_dist", int),)),
])


def _coerce(fn: str, a: Arg, value: Any) -> Any:
    if a.type is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif a.type is int:
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            return value
        elif isinstance(value, (float, str)):
            try:
                as_float = float(value)
                if as_float.is_integer():
                    return int(as_float)
            except ValueError:
                pass
    elif a.type is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    raise ActionError(f"{fn}: argument {a.name!r} must be {a.type.__name__}, got {value!r}")
