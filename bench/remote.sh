#!/usr/bin/env bash
# The remote backend's cost against whisper.cpp's own whisper-server on this machine: upload bytes per second of speech, and
# the added latency per dictation as a ratio to the same model in process. Same model file, same threads, same decoding
# (whisper-server pinned as in tests/Wispr.Sidecar.Tests/Remote/WhisperServerTests.cs; the in-process side with
# --audioContext full, the 30 s window whisper-server always encodes), same audio; one resident sidecar transcribes each file
# N times on the local Whisper backend, then N times after `backend/select remote`, both warm (bench/remote.mjs), medians.
# The bytes are what the sidecar logs as sent (the WAV body of the request), so bytes per second of speech is measured.
#   bash bench/remote.sh [--reps N] [--model FILE.bin] [--quick]
# --quick: the 8 MB test model, jfk.wav only, one rep, the Debug build or WISPR_SIDECAR_PATH (a smoke test, not a measurement).
# WISPR_WHISPER_SERVER names a built whisper-server; else scripts/build-whisper-server.sh builds it (cached).
# Default: a generated tiny.en-shaped model (random weights: the latency of the real shape, not its words), jfk.wav and the
# five LibriVox clips, 3 reps, Release. Run it on a quiet machine: the figures are wall-clock times.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
reps=3 model="" quick="" shape=tiny
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --quick) quick=1; reps=1; shape=test; shift ;;
    *) echo "usage: bash bench/remote.sh [--reps N] [--model FILE.bin] [--quick]" >&2; exit 2 ;;
  esac
done
threads=$(nproc)
if [ -n "$quick" ]; then
  dll="${WISPR_SIDECAR_PATH:-$SIDECAR_DLL}"
  [ -f "$dll" ] || { build_all; dll="$SIDECAR_DLL"; }
  files=("$ROOT/samples/jfk.wav")
else
  log "Building the sidecar (Release)"
  dotnet build "$ROOT/sidecar/Wispr.Sidecar" -c Release -nologo -v:q
  dll="$ROOT/sidecar/Wispr.Sidecar/bin/Release/net10.0/Wispr.Sidecar.dll"
  files=("$ROOT/samples/jfk.wav" "$ROOT"/tests/fixtures/audio/librivox/*.wav)
fi
if [ -z "$model" ]; then
  # ModelGen is built only when the generated model is not cached yet
  [ -s "$ARTIFACTS/models/random-$shape.bin" ] || [ -f "$MODELGEN_DLL" ] || dotnet build "$ROOT/tools/Wispr.ModelGen" -nologo -v:q
  model=$(generated_model "$shape")
fi
server="${WISPR_WHISPER_SERVER:-$(bash "$ROOT/scripts/build-whisper-server.sh")}"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$ARTIFACTS/bench"
"$server" -m "$model" --host 127.0.0.1 --port "$port" --inference-path /v1/audio/transcriptions -bo 5 -nfa -t "$threads" \
  >"$ARTIFACTS/bench/whisper-server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null' EXIT
# Ready when it answers HTTP (bounded: 2 minutes), not after a fixed sleep.
for _ in $(seq 1 1200); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "whisper-server exited; see $ARTIFACTS/bench/whisper-server.log" >&2; exit 1; }
  sleep 0.1
done

# Both sides warm in one resident sidecar, as the extension runs it (a one-shot `transcribe` per run would time a cold
# whisper.cpp state in process against a warm server): bench/remote.mjs.
[ -d "$ROOT/node_modules/vscode-jsonrpc" ] || (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
node "$ROOT/bench/remote.mjs" --dll "$dll" --model "$model" --url "http://127.0.0.1:$port/v1" --threads "$threads" --reps "$reps" \
  "${files[@]}" | tee "$ARTIFACTS/bench/remote.md"
