#!/usr/bin/env bash
# Every benchmark, one JSON object per line on stdout (medians; the machine is shared and noisy, so run on an
# idle machine and compare figures from the same run only):
#   environment medians, dataflow throughput, agent step overhead, training time per phase.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false TQDM_DISABLE=1
PY=.venv/bin/python
$PY benchmarks/env_bench.py --episodes "${ENV_EPISODES:-200}"
$PY benchmarks/dataflow_bench.py --limit "${DATAFLOW_TASKS:-60}"
$PY benchmarks/agent_bench.py --episodes-per-family 1
$PY benchmarks/train_bench.py
