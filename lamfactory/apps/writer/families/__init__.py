"""Task families: the offline prefill role's library of concrete Writer tasks.

Each Family (lamfactory/core/families.py) has >= 5 phrasings; arguments the model must produce are quoted
in the request so they can be chosen, not invented. Families are data (families.yaml), built by build.py from a few samplers (samplers.py) and step kinds.

    from lamfactory.apps.writer.families import all_families, get_family
"""

from __future__ import annotations

from lamfactory.core.families import Family

FAMILIES: dict[str, Family] = {}


def all_families() -> dict[str, Family]:
    """The registry, loaded from families.yaml on first use."""
    if not FAMILIES:
        from lamfactory.apps.writer.families.build import load_families

        FAMILIES.update(load_families())
    return FAMILIES


def get_family(name: str) -> Family:
    try:
        return all_families()[name]
    except KeyError:
        raise KeyError(f"unknown task family {name!r}") from None
