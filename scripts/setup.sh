#!/usr/bin/env bash
# Idempotent setup: Debian packages (LibreOffice Writer + Calc + UNO + help pages) and the Python 3.11 venv.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(libreoffice-writer libreoffice-calc python3-uno libreoffice-script-provider-python libreoffice-help-en-us fonts-dejavu-core)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "[setup] apt-get install ${missing[*]}" >&2
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
PY="$(command -v python3.11 || true)"
[ -n "$PY" ] || { echo "[setup] Python 3.11 is required (pyuno links libpython3.11)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp="$(sha256sum pyproject.toml | cut -c1-16)"
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp" ]; then
  echo "[setup] pip install -e .[test,ray]" >&2
  .venv/bin/pip install -q -U pip >/dev/null
  # torch is pinned in the same command so pip never resolves a CUDA build.
  .venv/bin/pip install -q torch==2.13.0 -e ".[test,ray]"
  echo "$stamp" > .venv/.setup-stamp
fi
