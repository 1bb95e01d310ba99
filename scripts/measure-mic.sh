#!/usr/bin/env bash
# Measures the microphone path: release-to-text for a 5 s utterance and the sidecar's memory after 1 and after 10 recordings.
# Speech is played into the private PulseAudio test server (scripts/pulse-test-server.sh), whose null-sink monitor is the
# default microphone; the sidecar captures it with parec exactly as for a user. Model: the random-weight tiny.en-shape model
# (same compute as tiny.en; the words are nonsense), or --model PATH.
#   bash scripts/measure-mic.sh [--model PATH] [--repeat N]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
model="" repeat=10
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
dotnet build "$ROOT/sidecar/Wispr.Sidecar/Wispr.Sidecar.csproj" -nologo -v:q >&2
[ -f "$MODELGEN_DLL" ] || dotnet build "$ROOT/tools/Wispr.ModelGen/Wispr.ModelGen.csproj" -nologo -v:q >&2
[ -n "$model" ] || model="$(generated_model tiny)"
eval "$(bash "$ROOT/scripts/pulse-test-server.sh")"
mkdir -p "$ARTIFACTS/audio"
clip="$ARTIFACTS/audio/utterance-5s.wav"
# 5.0 s of a LibriVox reading (public domain).
sox "$ROOT/tests/fixtures/audio/librivox/sense_and_sensibility_01_austen_64kb-0890.wav" "$clip" trim 0 5.0
log "Dictating a 5.0 s utterance $repeat times from the microphone (model $(basename "$model"))"
dotnet "$SIDECAR_DLL" dictate-mic "$clip" --repeat "$repeat" --model "$model"
