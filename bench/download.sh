#!/usr/bin/env bash
# Model download throughput from a local server, as a ratio to curl of the same file in the same run: a generated file
# (random bytes) served on loopback in Hugging Face's layout (tests/e2e/harness/modelServer.mjs), fetched alternately by
# `curl -o` and by the sidecar's downloader (models/download over JSON-RPC from one `serve` sidecar, the cache emptied
# between reps), N reps each; prints MB/s per rep, the medians and sidecar/curl.
#   bash bench/download.sh [--size-mb N] [--reps N] [--quick]
# Default: 200 MB, 3 reps, the Release build. --quick: 8 MB, 1 rep, the Debug build (a smoke test, not a measurement).
# Run it on a quiet machine: the figures are wall-clock times.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
size_mb=200 reps=3 quick=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mb) size_mb="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --quick) quick=1; size_mb=8; reps=1; shift ;;
    *) echo "usage: bash bench/download.sh [--size-mb N] [--reps N] [--quick]" >&2; exit 2 ;;
  esac
done
command -v curl >/dev/null || { echo "bench/download.sh needs curl" >&2; exit 1; }
if [ -n "$quick" ]; then
  [ -f "$SIDECAR_DLL" ] || build_all
  dll="$SIDECAR_DLL"
else
  log "Building the sidecar (Release)"
  dotnet build "$ROOT/sidecar/Wispr.Sidecar" -c Release -nologo -v:q
  dll="$ROOT/sidecar/Wispr.Sidecar/bin/Release/net10.0/Wispr.Sidecar.dll"
fi
[ -d "$ROOT/node_modules/vscode-jsonrpc" ] || (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
file="$ARTIFACTS/bench/download-$size_mb-mb.bin"
if [ ! -s "$file" ]; then
  mkdir -p "$ARTIFACTS/bench"
  head -c "$((size_mb * 1000 * 1000))" /dev/urandom > "$file.tmp" && mv "$file.tmp" "$file"
fi
log "Downloading $size_mb MB from loopback, curl and the sidecar alternately, $reps reps"
node "$ROOT/bench/download.mjs" --dll "$dll" --file "$file" --reps "$reps" | tee "$ARTIFACTS/bench/download.txt"
