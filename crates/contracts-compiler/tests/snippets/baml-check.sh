#!/bin/bash
# Runs `baml-cli check` on each given .baml file alone (copied into a fresh
# temporary baml_src/ folder, which baml-cli requires). Prints OK or FAIL per
# file. Not used by `cargo test`; run it by hand when the corpus changes:
#   crates/contracts-compiler/tests/snippets/baml-check.sh crates/contracts-compiler/tests/snippets/valid/*.baml
BAML_CLI=${BAML_CLI:-"$(git rev-parse --show-toplevel)/.venv/bin/baml-cli"}
status=0
for f in "$@"; do
  d=$(mktemp -d)
  mkdir "$d/baml_src"
  cp "$f" "$d/baml_src/"
  # `--features beta` silences the "experimental" warnings of `let` bindings and
  # expression functions, which alone make baml-cli exit 1.
  if out=$("$BAML_CLI" check --features beta --from "$d/baml_src" 2>&1) && ! grep -q '^error' <<<"$out"; then
    echo "OK   $f"
  else
    echo "FAIL $f: $(grep -m1 '^error' <<<"$out")"
    status=1
  fi
  rm -rf "$d"
done
exit $status
