#!/usr/bin/env bash
# Fails when the tests changed a tracked file or left an untracked one behind.
# Checked only in CI (CI=true), where the tree starts as a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CI:-}" != "true" ]; then
  exit 0
fi
changes=$(git status --porcelain)
if [ -n "$changes" ]; then
  echo "make test left the work tree changed:" >&2
  echo "$changes" >&2
  exit 1
fi
echo "work tree clean after the tests"
