"""The checker language every app's executable checks are written in; each app registers its predicates.

    spec := {"all": [spec, ...]} | {"any": [spec, ...]} | {"not": spec} | predicate
    predicate := {"pred": NAME, ...params}     (unknown pred, unknown/missing/mistyped param -> CheckSpecError)

A predicate is defined once, where it is implemented:

    CHECKS = CheckLanguage()

    @CHECKS.predicate("text_contains", {"text": Param((str,))})
    def text_contains(view, spec) -> Optional[str]:   # None: holds; else one line saying why not
        ...

A predicate may take a *selector* (Writer's paragraph: exactly one of "para" / "contains"): the language
validates it and resolves it on the view before the predicate runs, which then receives the resolved target.
Evaluation returns (holds, details): one human-readable line per failing predicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from lamfactory.core.records import Verdict


class CheckSpecError(ValueError):
    """A malformed checker spec (unknown predicate, unknown/missing/mistyped parameter)."""


@dataclass(frozen=True)
class Param:
    types: tuple
    required: bool = True
    default: Any = None
    choices: tuple = ()


@dataclass(frozen=True)
class Selector:
    """Parameters naming one part of the document: exactly one of `keys` is given."""

    keys: tuple[str, ...]
    validate: Callable[[str, str, Any], None]  # (predicate, key, value) -> raises CheckSpecError
    resolve: Callable[[Any, dict], tuple[Any, str]]  # (view, spec) -> (target or None, description)
    what: str = "selector"  # how errors name it ("paragraph selector")


@dataclass(frozen=True)
class Predicate:
    name: str
    params: dict[str, Param]
    evaluate: Callable[..., Optional[str]]  # (view, spec) or, with a selector, (view, target, spec, where)
    selector: Optional[Selector] = None
    validate: Optional[Callable[[dict], Optional[str]]] = None  # a further check of the loaded spec


@dataclass
class CheckLanguage:
    predicates: dict[str, Predicate] = field(default_factory=dict)

    def predicate(self, name: str, params: Optional[dict[str, Param]] = None, *, selector: Optional[Selector] = None,
                  validate: Optional[Callable[[dict], Optional[str]]] = None):
        def register(fn):
            if name in self.predicates:
                raise ValueError(f"predicate {name!r} is defined twice")
            self.predicates[name] = Predicate(name, dict(params or {}), fn, selector, validate)
            return fn
        return register

    # ------------------------------------------------------------------ loading

    def load(self, spec: Any) -> dict:
        """Validate a spec; return it with defaults filled in. Raises CheckSpecError naming the problem."""
        if not isinstance(spec, dict):
            raise CheckSpecError(f"a check spec must be an object, got {type(spec).__name__}")
        combinators = [k for k in ("all", "any", "not") if k in spec]
        if combinators:
            if len(spec) != 1:
                raise CheckSpecError(f"{combinators[0]!r} must be the only key, got {sorted(spec)}")
            key = combinators[0]
            if key == "not":
                return {"not": self.load(spec["not"])}
            if not isinstance(spec[key], list) or not spec[key]:
                raise CheckSpecError(f"{key!r} needs a non-empty list of specs")
            return {key: [self.load(s) for s in spec[key]]}
        name = spec.get("pred")
        if name not in self.predicates:
            raise CheckSpecError(f"unknown predicate {name!r}; known: {', '.join(self.predicates)}")
        pred = self.predicates[name]
        out: dict[str, Any] = {"pred": name}
        params = {k: v for k, v in spec.items() if k != "pred"}
        if pred.selector is not None:
            chosen = [k for k in pred.selector.keys if k in params]
            if len(chosen) != 1:
                keys = " or ".join(map(repr, pred.selector.keys))
                raise CheckSpecError(f"{name}: needs exactly one {pred.selector.what} {keys}")
            value = params.pop(chosen[0])
            pred.selector.validate(name, chosen[0], value)
            out[chosen[0]] = value
        for key in params:
            if key not in pred.params:
                raise CheckSpecError(f"{name}: unknown parameter {key!r}; known: {list(pred.params)}")
        for key, p in pred.params.items():
            if key not in params:
                if p.required:
                    raise CheckSpecError(f"{name}: missing parameter {key!r}")
                if p.default is not None:
                    out[key] = p.default
                continue
            value = params[key]
            if not is_a(value, p.types):
                raise CheckSpecError(f"{name}: parameter {key!r} must be {'/'.join(t.__name__ for t in p.types)}, "
                                     f"got {value!r}")
            if p.choices and value not in p.choices:
                raise CheckSpecError(f"{name}: parameter {key!r} must be one of {list(p.choices)}, got {value!r}")
            out[key] = value
        problem = pred.validate(out) if pred.validate else None
        if problem:
            raise CheckSpecError(f"{name}: {problem}")
        return out

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, view: Any, spec: dict) -> tuple[bool, list[str]]:
        """(holds, details) of a *loaded* spec on an app's view of a document."""
        if "all" in spec:
            results = [self.evaluate(view, s) for s in spec["all"]]
            return all(r[0] for r in results), [d for ok, ds in results if not ok for d in ds]
        if "any" in spec:
            results = [self.evaluate(view, s) for s in spec["any"]]
            if any(r[0] for r in results):
                return True, []
            return False, ["none of the alternatives holds: " + " | ".join("; ".join(ds) for _, ds in results)]
        if "not" in spec:
            ok, _ = self.evaluate(view, spec["not"])
            return (not ok), ([] if not ok else [f"expected not to hold but it does: {describe(spec['not'])}"])
        pred = self.predicates[spec["pred"]]
        if pred.selector is None:
            problem = pred.evaluate(view, spec)
        else:
            target, where = pred.selector.resolve(view, spec)
            problem = where if target is None else pred.evaluate(view, target, spec, where)
        return problem is None, ([] if problem is None else [f"{spec['pred']}: {problem}"])

    def verdict(self, view: Any, spec: Any) -> Verdict:
        ok, details = self.evaluate(view, self.load(spec))
        return Verdict(passed=ok, details=[] if ok else details)


def describe(spec: dict) -> str:
    if "pred" in spec:
        return spec["pred"] + "(" + ", ".join(f"{k}={v!r}" for k, v in spec.items() if k != "pred") + ")"
    return str(spec)


def is_a(value: Any, types: tuple) -> bool:
    """isinstance where a bool is no int (JSON's true is not 1)."""
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)
