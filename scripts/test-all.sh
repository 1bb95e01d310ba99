#!/usr/bin/env bash
# Runs every test suite of the repository and ends with one line: N passed, N failed, N skipped.
#   bash scripts/test-all.sh            (all suites)
#   WISPR_SKIP_E2E=1 bash scripts/test-all.sh   (without the real-VS-Code suite)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set +e
build_all || { echo "0 passed, 1 failed"; exit 1; }
export WISPR_MODEL_PATH="$(generated_model test)"
export WISPR_SIDECAR_PATH="$SIDECAR_DLL"
mkdir -p "$ARTIFACTS/logs"

passed=0 failed=0 skipped=0 broken=()
# count SUITE LOGFILE EXIT: adds the suite's own counts; a suite that failed without counting is one failure.
count() {
  local name="$1" logf="$2" rc="$3" p=0 f=0 s=0 line
  if line=$(grep -E '^(Passed|Failed)!' "$logf"); then
    p=$(grep -oE 'Passed: +[0-9]+' <<<"$line" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
    f=$(grep -oE 'Failed: +[0-9]+' <<<"$line" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
    s=$(grep -oE 'Skipped: +[0-9]+' <<<"$line" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  elif grep -qE '^(# |ℹ )pass [0-9]+' "$logf"; then
    p=$(grep -oE '^(# |ℹ )pass [0-9]+' "$logf" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
    f=$(grep -oE '^(# |ℹ )fail [0-9]+' "$logf" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
    s=$(grep -oE '^(# |ℹ )(skipped|todo) [0-9]+' "$logf" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  elif line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logf" | tail -1); then
    p=$(grep -oE '^[0-9]+' <<<"$line"); f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
    s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  fi
  p=${p:-0} f=${f:-0} s=${s:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; broken+=("$name (exit $rc, see $logf)"); fi
  printf '%s: %s passed, %s failed, %s skipped\n' "$name" "$p" "$f" "$s" >&2
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

run_suite() {
  local name="$1"; shift
  local logf="$ARTIFACTS/logs/$name.log"
  log "Suite: $name"
  ( cd "$ROOT" && "$@" ) 2>&1 | tee "$logf"
  count "$name" "$logf" "${PIPESTATUS[0]}"
}

run_suite sidecar dotnet test "$ROOT/wispr-vscode.sln" --no-build -nologo -v:q
run_suite extension-unit npm test --silent
run_suite extension-sidecar npm run --silent test:integration
if [ -z "${WISPR_SKIP_E2E:-}" ] && [ -f "$ROOT/tests/e2e/run.sh" ]; then
  run_suite vscode-e2e bash "$ROOT/tests/e2e/run.sh"
fi

for b in "${broken[@]}"; do echo "broken suite: $b" >&2; done
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
