"""What every LibreOffice application shares: the soffice process (profile, watchdog, restarts), the
in-process bridge into soffice's accessibility tree, the installed help and the sensitive-action rules."""

from pathlib import Path

HELP_ROOT = Path("/usr/share/libreoffice/help/en-US/text")
# Classes of the help pages' per-platform and per-module variants (<span class="switch">).
HELP_VARIANTS = frozenset({"MAC", "WIN", "UNIX", "WRITER", "CALC", "IMPRESS", "DRAW", "MATH", "CHART", "BASE"})
