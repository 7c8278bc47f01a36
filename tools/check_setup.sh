#!/usr/bin/env bash
# `make demo` from a fresh clone, with no virtual environment active, must leave the
# interpreter's own site-packages unchanged: everything goes into the clone's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q . "$work/clone"
before=$(python3 -m pip freeze --all 2>/dev/null | sort)
(
  unset VIRTUAL_ENV
  cd "$work/clone"
  make demo LOGDIR="$work/logs" DEMO_ARGS="--no-serve --epochs 1"
)
after=$(python3 -m pip freeze --all 2>/dev/null | sort)
if [ "$before" != "$after" ]; then
  echo "make demo changed the interpreter's packages:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
test -x "$work/clone/.venv/bin/python" || { echo "no .venv in the clone" >&2; exit 1; }
ls "$work/logs" >/dev/null
echo "make demo: $(echo "$before" | wc -l) packages of $(python3 -c 'import sys; print(sys.executable)') unchanged; the demo ran in the clone's .venv"
