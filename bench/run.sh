#!/usr/bin/env bash
# One command: builds Release, generates the random bench models once (.artifacts/models/), runs the Whisper benchmark and
# prints a markdown table (also written to .artifacts/bench/whisper.md). Arguments go to the bench:
#   bash bench/run.sh [--reps N] [--quick] [--lengths 2,5,15,30]
# Real models: WISPR_BENCH_MODELS=/path/a.bin:/path/b.bin (and WISPR_TEST_MODEL_PATH) add rows measured without a token cap.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
log "Building Release (sidecar, model generator, bench)"
dotnet build "$ROOT/wispr-vscode.sln" -c Release -nologo -v:q
# The optional extension leg drives the sidecar from Node through the extension's compiled SidecarConnection.
if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "Installing the extension's npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  log "Building the extension (npm run build) for the extension leg"
  (cd "$ROOT" && npm run --silent build)
else
  log "npm not found: the extension leg will be skipped"
fi
log "Running the benchmark"
cd "$ROOT"
exec dotnet "$ROOT/bench/Wispr.Bench/bin/Release/net10.0/Wispr.Bench.dll" --root "$ROOT" "$@"
