#!/usr/bin/env bash
# The remote backend's cost against whisper.cpp's own whisper-server on this machine: upload bytes per second of speech, and
# the added latency per dictation as a ratio to the same model in process. Same model file, same threads, same decoding
# (whisper-server pinned as in tests/Wispr.Sidecar.Tests/Remote/WhisperServerTests.cs; the in-process side with
# --audioContext full, the 30 s window whisper-server always encodes), same audio; each file is transcribed by the sidecar's
# `transcribe` verb, once with --backend whisper and once with --backend remote, N times each, medians. The bytes are what
# the sidecar logs as sent (the WAV body of the request), so bytes per second of speech is measured, not assumed.
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

# run_once BACKEND FILE -> "RECOGNITION_MS BYTES_SENT": the sidecar's own "recognition N ms" (excludes process start and
# model load) and, for the remote backend, the body size it logged as sent (0 in process).
run_once() {
  local out ms bytes
  out=$(dotnet "$dll" transcribe --backend "$1" --model "$model" --threads "$threads" --audioContext full \
    --remoteUrl "http://127.0.0.1:$port/v1" "$2" 2>&1 >/dev/null) || { echo "transcribe with $1 failed: $out" >&2; return 1; }
  ms=$(grep -oE 'recognition [0-9]+ ms' <<<"$out" | grep -oE '[0-9]+' || true)
  bytes=$(grep -oE '\(([0-9]+) bytes sent' <<<"$out" | grep -oE '[0-9]+' | tail -1 || true)
  [ -n "$ms" ] || { echo "no recognition time from transcribe with $1: $out" >&2; return 1; }
  [ "$1" != remote ] || [ -n "$bytes" ] || { echo "the remote run logged no 'bytes sent': $out" >&2; return 1; }
  echo "$ms ${bytes:-0}"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '| file | audio s | bytes sent | bytes/s of speech | in process ms | remote ms | added ms | ratio |\n|---|---|---|---|---|---|---|---|\n'
total_local=0 total_remote=0 total_bytes=0 total_secs=0 added=()
for f in "${files[@]}"; do
  secs=$(python3 -c "import wave,sys; w=wave.open(sys.argv[1]); print('%.3f' % (w.getnframes()/w.getframerate()))" "$f")
  locals=() remotes=() bytes=0
  for _ in $(seq "$reps"); do
    read -r ms _ < <(run_once whisper "$f") || exit 1
    locals+=("$ms")
    read -r ms bytes < <(run_once remote "$f") || exit 1
    remotes+=("$ms")
  done
  l=$(printf '%s\n' "${locals[@]}" | median)
  r=$(printf '%s\n' "${remotes[@]}" | median)
  total_local=$(awk -v a="$total_local" -v b="$l" 'BEGIN {print a + b}')
  total_remote=$(awk -v a="$total_remote" -v b="$r" 'BEGIN {print a + b}')
  total_bytes=$((total_bytes + bytes))
  total_secs=$(awk -v a="$total_secs" -v b="$secs" 'BEGIN {print a + b}')
  added+=("$(awk -v r="$r" -v l="$l" 'BEGIN {print r - l}')")
  printf '| %s | %.2f | %d | %.0f | %.0f | %.0f | %.0f | %.2f |\n' "$(basename "$f")" "$secs" "$bytes" \
    "$(awk -v b="$bytes" -v s="$secs" 'BEGIN {print b/s}')" "$l" "$r" "$(awk -v r="$r" -v l="$l" 'BEGIN {print r - l}')" \
    "$(awk -v r="$r" -v l="$l" 'BEGIN {print (l > 0 ? r/l : 0)}')"
done
printf '\nmodel %s, %s threads, %s rep(s) per cell (median), %d file(s), %.1f s of speech\n' "$(basename "$model")" "$threads" "$reps" "${#files[@]}" "$total_secs"
printf 'upload: %.0f bytes per second of speech\n' "$(awk -v b="$total_bytes" -v s="$total_secs" 'BEGIN {print b/s}')"
printf 'added latency per dictation: median %.0f ms; remote/in-process over the whole set = %.2f\n' \
  "$(printf '%s\n' "${added[@]}" | median)" "$(awk -v r="$total_remote" -v l="$total_local" 'BEGIN {print (l > 0 ? r/l : 0)}')"
