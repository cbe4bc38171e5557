#!/usr/bin/env bash
# Used by `make check-generated`.
#
# Runs `baml-cli generate --from baml_src` twice into the real output
# directories (every `output_dir` of baml_src/generators.baml, plus the
# `baml_client/` directory BAML writes there) and fails when
#   * the two runs produce different files (non-deterministic generation), or
#   * generation changed a tracked file or created an untracked file that is
#     not gitignored (generated code must never be committed).
#
# Environment: BAML_CLI (default: .venv/bin/baml-cli).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

BAML_CLI="${BAML_CLI:-.venv/bin/baml-cli}"
GENERATORS="baml_src/generators.baml"

die() {
  echo "check-generated: ERROR: $*" >&2
  exit 1
}

[ -x "$BAML_CLI" ] || command -v "$BAML_CLI" >/dev/null 2>&1 \
  || die "$BAML_CLI not found; run 'make setup'"
[ -f "$GENERATORS" ] || die "$GENERATORS not found"

if command -v sha256sum >/dev/null 2>&1; then
  HASH=(sha256sum)
else
  HASH=(shasum -a 256)
fi

# output_dir values, comments stripped, relative to baml_src/.
output_dirs=()
while IFS= read -r dir; do
  output_dirs+=("$dir")
done < <(sed -e 's://.*$::' "$GENERATORS" \
  | sed -n -E 's/^[[:space:]]*output_dir[[:space:]]+"([^"]+)".*$/\1/p')
[ "${#output_dirs[@]}" -gt 0 ] || die "no output_dir found in $GENERATORS"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Tracked changes / untracked non-ignored files, as a comparable snapshot.
git_snapshot() {
  git status --porcelain=v1 --untracked-files=all
  git diff --binary | "${HASH[@]}" | sed 's/ .*//'
}

generate() {
  if ! "$BAML_CLI" generate --from baml_src >"$tmp/generate.log" 2>&1; then
    cat "$tmp/generate.log" >&2
    die "baml-cli generate failed"
  fi
}

# Resolved (repo-relative) generated directories; valid after a generation.
client_dirs=()
resolve_client_dirs() {
  client_dirs=()
  local dir abs
  for dir in "${output_dirs[@]}"; do
    abs="$(cd "baml_src/$dir/baml_client" 2>/dev/null && pwd -P)" \
      || die "generation did not create baml_src/$dir/baml_client"
    client_dirs+=("${abs#"$ROOT"/}")
  done
}

manifest() {
  local file
  find "${client_dirs[@]}" -type f -print0 | LC_ALL=C sort -z \
    | while IFS= read -r -d '' file; do "${HASH[@]}" "$file"; done
}

git_snapshot >"$tmp/git.before"

echo "check-generated: generation run 1"
generate
resolve_client_dirs
manifest >"$tmp/run1"

echo "check-generated: generation run 2"
generate
manifest >"$tmp/run2"

status=0
if ! diff -u "$tmp/run1" "$tmp/run2" >"$tmp/runs.diff"; then
  echo "check-generated: FAIL: two generations from the same baml_src differ" >&2
  echo "(non-deterministic generator output). Changed files (sha256 run1 -> run2):" >&2
  cat "$tmp/runs.diff" >&2
  status=1
fi

git_snapshot >"$tmp/git.after"
if ! diff -u "$tmp/git.before" "$tmp/git.after" >"$tmp/git.diff"; then
  echo "check-generated: FAIL: generation changed files git sees (tracked or not gitignored):" >&2
  grep -E '^[+-][^+-]' "$tmp/git.diff" >&2 || true
  echo "Generated code must be gitignored and never committed ('git rm -r --cached <dir>')." >&2
  status=1
fi

# That the generated directories are gitignored and untracked is the one job of
# tests/repo/test_generated_not_committed.py (make test-repo); not repeated here.

if [ "$status" -eq 0 ]; then
  echo "check-generated: OK ($(wc -l <"$tmp/run1" | tr -d ' ') generated files in: ${client_dirs[*]})"
fi
exit "$status"
