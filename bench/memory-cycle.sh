#!/usr/bin/env bash
# Memory across backend switches on the real sidecar process: 20 cycles of Whisper → dictation → unload → prepare →
# Parakeet → dictation → unload → prepare, with the sidecar's RSS after each load and unload, switch and cached-prepare times.
# Uses the random-weight tiny.en-shape Whisper model and the tiny hand-weighted Parakeet model (both generated once).
# Usage: bash bench/memory-cycle.sh [--cycles N] [--whisper MODEL.bin] [--parakeet DIR] [--wav FILE.wav] [--verbose]
source "$(dirname "$0")/../scripts/lib.sh"

whisper="" parakeet="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --whisper) whisper="$2"; shift 2 ;;
    --parakeet) parakeet="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

log "Building the sidecar and the memory benchmark"
dotnet build "$ROOT/bench/Wispr.Bench.Memory/Wispr.Bench.Memory.csproj" -nologo -v:q
[ -f "$MODELGEN_DLL" ] || dotnet build "$ROOT/tools/Wispr.ModelGen/Wispr.ModelGen.csproj" -nologo -v:q
[ -n "$whisper" ] || whisper="$(generated_model tiny)"
[ -n "$parakeet" ] || parakeet="$(tiny_parakeet_model)"
wav="$ROOT/tests/fixtures/audio/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"

log "Cycling backends (this takes a minute or two)"
exec dotnet "$ROOT/bench/Wispr.Bench.Memory/bin/Debug/net10.0/Wispr.Bench.Memory.dll" \
  --sidecar "$SIDECAR_DLL" --whisper "$whisper" --parakeet "$parakeet" --wav "$wav" \
  --json "$ARTIFACTS/bench/memory-cycle.json" "${extra[@]}"
