"""What every LibreOffice application shares: the soffice process (profile, watchdog, restarts), the
in-process bridge into soffice's accessibility tree, the installed help and the sensitive-action rules."""

import re
from pathlib import Path
from typing import Callable, Optional

HELP_ROOT = Path("/usr/share/libreoffice/help/en-US/text")
# Classes of the help pages' per-platform and per-module variants (<span class="switch">).
HELP_VARIANTS = frozenset({"MAC", "WIN", "UNIX", "WRITER", "CALC", "IMPRESS", "DRAW", "MATH", "CHART", "BASE"})


def module_filter(other_modules: re.Pattern, other_app_menus: re.Pattern,
                  own: re.Pattern) -> Callable[[str, str], Optional[str]]:
    """An app's relevance filter (plans/clean.py's App.drop_reason): a documented task whose text or steps
    place it in another LibreOffice module (its words without the app's own, or another module's menus)."""
    def drop_reason(task: str, steps: str) -> Optional[str]:
        if other_modules.search(task) and not own.search(task):
            return "irrelevant (other module)"
        if other_app_menus.search(steps) or (other_modules.search(steps) and not own.search(steps)):
            return "irrelevant (other module)"
        return None

    return drop_reason
