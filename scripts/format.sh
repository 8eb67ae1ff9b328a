#!/usr/bin/env bash
# Applies .clang-format (Google-based) to the project's own C++ files, or,
# with --check, lists the files that differ from it and fails if any does.
# The generated tables (dsp/src/sinc_tables.inc) keep their own layout.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tracked and new (not ignored) files, so a file not yet added is formatted too.
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cc' '*.h')
if [ "${1:-}" = "--check" ]; then
  differ=0
  for f in "${files[@]}"; do
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then
      echo "not formatted: $f (scripts/format.sh formats it)"
      differ=1
    fi
  done
  exit "$differ"
fi
clang-format --style=file -i "${files[@]}"
