#!/usr/bin/env bash
# Lint (ruff: rules in pyproject.toml) and type-check (mypy, disallow_untyped_defs on src/).
# Exits non-zero on any finding. Needs the test extra: pip install -e ".[test]".
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
python3 -m ruff check src tests scripts || status=1
python3 -m mypy || status=1        # files and options: [tool.mypy] in pyproject.toml
exit $status
