#!/usr/bin/env bash
# The remote backend's cost against whisper.cpp's own whisper-server on this machine: upload bytes per second of speech, and
# the added latency per dictation as a ratio to the same model in process. Same model file, same threads, same decoding
# (whisper-server pinned as in tests/Wispr.Sidecar.Tests/Remote/WhisperServerTests.cs), same audio; each file is transcribed
# by the sidecar's `transcribe` verb, once with --backend whisper and once with --backend remote, N times each, medians.
#   bash bench/remote.sh [--reps N] [--model FILE.bin] [--quick]
# --quick: the 8 MB test model, jfk.wav only, one rep, the Debug build (a smoke test, not a measurement).
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
  [ -f "$SIDECAR_DLL" ] || build_all
  dll="$SIDECAR_DLL"
  files=("$ROOT/samples/jfk.wav")
else
  log "Building the sidecar (Release)"
  dotnet build "$ROOT/sidecar/Wispr.Sidecar" -c Release -nologo -v:q
  dll="$ROOT/sidecar/Wispr.Sidecar/bin/Release/net10.0/Wispr.Sidecar.dll"
  files=("$ROOT/samples/jfk.wav" "$ROOT"/tests/fixtures/audio/librivox/*.wav)
fi
[ -f "$MODELGEN_DLL" ] || dotnet build "$ROOT/tools/Wispr.ModelGen" -nologo -v:q
[ -n "$model" ] || model=$(generated_model "$shape")
server=$(bash "$ROOT/scripts/build-whisper-server.sh")

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

# recognition_ms BACKEND FILE -> the sidecar's own "recognition N ms" (excludes process start and model load).
recognition_ms() {
  local out
  out=$(dotnet "$dll" transcribe --backend "$1" --model "$model" --threads "$threads" --remoteUrl "http://127.0.0.1:$port/v1" "$2" 2>&1 >/dev/null) \
    || { echo "transcribe with $1 failed: $out" >&2; exit 1; }
  grep -oE 'recognition [0-9]+ ms' <<<"$out" | grep -oE '[0-9]+'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '| file | audio s | upload bytes | bytes/s of speech | in process ms | remote ms | added ms | ratio |\n|---|---|---|---|---|---|---|---|\n'
total_local=0 total_remote=0
for f in "${files[@]}"; do
  samples=$(python3 -c "import wave,sys; w=wave.open(sys.argv[1]); print(int(w.getnframes()*16000/w.getframerate()))" "$f")
  bytes=$((44 + 2 * samples))
  secs=$(awk -v s="$samples" 'BEGIN {printf "%.2f", s/16000}')
  l=$(for _ in $(seq "$reps"); do recognition_ms whisper "$f"; done | median)
  r=$(for _ in $(seq "$reps"); do recognition_ms remote "$f"; done | median)
  total_local=$((total_local + l)) total_remote=$((total_remote + r))
  printf '| %s | %s | %d | %.0f | %d | %d | %d | %.2f |\n' "$(basename "$f")" "$secs" "$bytes" "$(awk -v b="$bytes" -v s="$secs" 'BEGIN {print b/s}')" \
    "$l" "$r" $((r - l)) "$(awk -v r="$r" -v l="$l" 'BEGIN {print (l > 0 ? r/l : 0)}')"
done
printf '\nmodel %s, %s threads, %s rep(s) per cell (median); whole set: remote/in-process = %.2f\n' "$(basename "$model")" "$threads" "$reps" \
  "$(awk -v r="$total_remote" -v l="$total_local" 'BEGIN {print (l > 0 ? r/l : 0)}')"
