"""Task families: the offline prefill role's library of concrete Calc tasks (catalog.py), worded as users write
them (voice.py), each with a GUI plan and an exact check in checks.py's language.

    from lamfactory.apps.calc.families import all_families
"""

from __future__ import annotations

from lamfactory.core.families import Family

FAMILIES: dict[str, Family] = {}


def all_families() -> dict[str, Family]:
    if not FAMILIES:
        from lamfactory.apps.calc.families.catalog import build_families

        FAMILIES.update(build_families())
    return FAMILIES
