"""Writer environment benchmark: scripted episodes on the real LibreOffice, one JSON object on stdout.

    python benchmarks/env_bench.py --episodes 200
"""

from __future__ import annotations

import argparse
import json

from lamfactory.apps.writer.bench import run_bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--no-observe-on-step", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run_bench(args.episodes, observe_on_step=not args.no_observe_on_step)))


if __name__ == "__main__":
    main()
