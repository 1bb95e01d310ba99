#!/usr/bin/env bash
# Memory across backend switches on the real sidecar process: 20 cycles of Whisper → dictation → unload → prepare →
# Parakeet → dictation → unload → prepare, with the sidecar's RSS after each load and unload, switch and cached-prepare times.
# Each switch also reports the peak RSS during it, which must stay below the process baseline plus the larger model.
# --sizes small (default): the random-weight tiny.en-shape Whisper model and the tiny hand-weighted Parakeet model.
# --sizes real: what users load. A large-v3-turbo-shaped Whisper model (1.6 GB) and a Parakeet model with 604 MB of int8
#   weights (--float: 2.4 GB of float32 as external data), plus two loads that fail (a truncated 1.6 GB Whisper file, a
#   Parakeet folder with a bad decoder) and 50 dictations on the large Whisper model. Models come from
#   bench/make-real-size-models.sh (run here, once; ~3.5 GB in .artifacts/models).
# --sizes ci: the CI short form, 3 cycles at base.en size and the 604 MB Parakeet, with the failed Parakeet load.
# Usage: bash bench/memory-cycle.sh [--sizes small|real|ci] [--float] [--cycles N] [--dictations N] [--recycle]
#        [--whisper MODEL.bin] [--parakeet DIR] [--wav FILE.wav] [--verbose]   (other options: see Wispr.Bench.Memory)
source "$(dirname "$0")/../scripts/lib.sh"

whisper="" parakeet="" sizes=small float=0 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --whisper) whisper="$2"; shift 2 ;;
    --parakeet) parakeet="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --float) float=1; shift ;;
    *) extra+=("$1"); shift ;;
  esac
done

log "Building the sidecar and the memory benchmark"
dotnet build "$ROOT/bench/Wispr.Bench.Memory/Wispr.Bench.Memory.csproj" -nologo -v:q
[ -f "$MODELGEN_DLL" ] || dotnet build "$ROOT/tools/Wispr.ModelGen/Wispr.ModelGen.csproj" -nologo -v:q
models="$ARTIFACTS/models"
sized=()
case "$sizes" in
  small)
    [ -n "$whisper" ] || whisper="$(generated_model tiny)"
    [ -n "$parakeet" ] || parakeet="$(tiny_parakeet_model)" ;;
  real)
    bash "$ROOT/bench/make-real-size-models.sh" $([ "$float" = 1 ] && echo --float)
    [ -n "$whisper" ] || whisper="$models/random-large-v3-turbo.bin"
    [ -n "$parakeet" ] || parakeet="$models/parakeet-$([ "$float" = 1 ] && echo float || echo int8)-sized"
    # Later options win, so --dictations N or --cycles N on the command line override these.
    # --max-tokens 8, and the sidecar's default audio context (fit): a 3 s dictation runs the 32-layer encoder over 214 positions, not 1500.
    sized=(--truncated-whisper "$models/random-large-v3-turbo.truncated.bin" --bad-parakeet "$models/parakeet-int8-bad-decoder"
      --dictations 50 --max-tokens 8) ;;
  ci)
    bash "$ROOT/bench/make-real-size-models.sh" --ci
    [ -n "$whisper" ] || whisper="$models/random-base.bin"
    [ -n "$parakeet" ] || parakeet="$models/parakeet-int8-sized"
    sized=(--cycles 3 --bad-parakeet "$models/parakeet-int8-bad-decoder" --max-tokens 8) ;;
  *) echo "--sizes is small, real or ci" >&2; exit 2 ;;
esac
wav="$ROOT/tests/fixtures/audio/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"

log "Cycling backends ($sizes sizes; a minute or two at small sizes, much longer at real ones)"
exec dotnet "$ROOT/bench/Wispr.Bench.Memory/bin/Debug/net10.0/Wispr.Bench.Memory.dll" \
  --sidecar "$SIDECAR_DLL" --whisper "$whisper" --parakeet "$parakeet" --wav "$wav" \
  --json "$ARTIFACTS/bench/memory-cycle$([ "$sizes" = small ] || echo "-$sizes").json" "${sized[@]}" "${extra[@]}"
