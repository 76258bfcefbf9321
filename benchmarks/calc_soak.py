"""Soak on Calc: benchmarks/soak.py's run (same episode runner, faults, accounting and JSON line) on one
long-lived Calc, over Calc family tasks.

    python benchmarks/calc_soak.py [--episodes 200] [--fault-every 50] [--faults kill,stop] [--max-steps 8] ...

benchmarks/soak.py is Writer's (its tasks are the Writer sample plans on Writer templates and its environment is
WriterEnv, both fixed inside it) and is not ours to edit, so this runs its main() with two names swapped: the task
pool (every Calc family on up to two of the Calc templates where its check fails untouched, as
tests/test_calc_families.py builds them) and the environment class (CalcEnv). Options are soak.py's.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import soak  # noqa: E402  (its import sets the CLI's quiet library settings and HF offline)

PER_FAMILY = 2


def calc_tasks(out: Path, seed: int):
    from lamfactory.apps.calc.families import all_families
    from lamfactory.apps.calc.templates import build_templates, read_content
    from lamfactory.core.app import get_app
    from lamfactory.dataflow.instantiate import family_instance

    app = get_app("calc")
    library = [(t, read_content(t.path)) for t in build_templates(out / "templates")]
    found = []
    for name, family in sorted(all_families().items()):
        n = 0
        for k, (template, content) in enumerate(library):
            task = family_instance(family, template, content, seed=seed, phrasing=k % 5, app="calc")
            if task is None or app.check_file(template.path, task.check).passed:
                continue
            found.append(task)
            n += 1
            if n == PER_FAMILY:
                break
    return found


def main() -> None:
    import lamfactory.apps.writer.env as writer_env
    from lamfactory.apps.calc.env import CalcEnv

    soak.tasks = calc_tasks
    writer_env.WriterEnv = CalcEnv  # soak.main() imports the name at call time
    soak.main()


if __name__ == "__main__":
    main()
