"""The one way a control name is matched against live controls (the environment, the agent's grounder and the
experts all use it): exact, then case-insensitive, then the best fuzzy match scoring at least a named minimum.
Plain rapidfuzz ratio on lower-cased, punctuation-free names, not WRatio: WRatio's partial matching scores
"Print" against "Print Preview" at 90, and a fuzzy match must never widen an action."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from rapidfuzz import fuzz, process, utils

from lamfactory.core.records import Control

MIN_NAME_SCORE = 85.0  # rapidfuzz ratio (0-100) of processed names; below it a name matches no control


def match_control(name: str, controls: Sequence[Control], *, min_score: float = MIN_NAME_SCORE,
                  prefer: Optional[Callable[[Control], Any]] = None) -> Optional[Control]:
    """The control called `name`, or None. Among equally good matches the one `prefer` ranks highest (the
    environment prefers showing+enabled controls, the experts menus); by default the first in tree order."""
    if not name:
        return None
    rank = prefer or (lambda c: 0)
    for same in ([c for c in controls if c.name == name],
                 [c for c in controls if c.name.casefold() == name.casefold()]):
        if same:
            return max(same, key=rank)  # max keeps the first of equals
    key = utils.default_process(name)
    best, best_rank = None, None
    for c in controls:
        score = fuzz.ratio(key, utils.default_process(c.name))
        if score >= min_score and (best_rank is None or (score, rank(c)) > best_rank):
            best, best_rank = c, (score, rank(c))
    return best


def closest_names(name: str, controls: Sequence[Control], limit: int = 3) -> list[str]:
    """The names nearest to `name` (for an error message a model can act on)."""
    names = list(dict.fromkeys(c.name for c in controls))
    return [n for n, _, _ in process.extract(name, names, scorer=fuzz.ratio, processor=utils.default_process,
                                             limit=limit)]
