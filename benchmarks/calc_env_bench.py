"""Calc environment benchmark: scripted episodes on the real LibreOffice Calc, one JSON object on stdout.

    python benchmarks/calc_env_bench.py --episodes 200
"""

from __future__ import annotations

import argparse
import json

from lamfactory.apps.calc.bench import run_bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50)
    print(json.dumps(run_bench(parser.parse_args().episodes)))


if __name__ == "__main__":
    main()
