#!/usr/bin/env bash
# Builds everything, then dictates the bundled sample (samples/jfk.wav, played in real time) through the real sidecar
# over JSON-RPC, the path the extension uses, and prints the text and the time from stop to text.
#   bash scripts/dictate-sample.sh [--model PATH] [FILE.wav]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
model="${WISPR_MODEL_PATH:-}"
wav="$ROOT/samples/jfk.wav"
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    *) wav="$1"; shift ;;
  esac
done
build_all
if [ -n "$model" ]; then
  exec dotnet "$SIDECAR_DLL" dictate "$wav" --model "$model" --logLevel warning
fi
log "Dictating $(basename "$wav") with the default model (ggml-base.en.bin, downloaded once into the user cache)"
if dotnet "$SIDECAR_DLL" dictate "$wav" --logLevel warning; then exit 0; fi
log "The real model is not available here (offline?). Falling back to a generated random-weight model of the"
log "real tiny.en shape: the whole path runs for real, but the words will be nonsense. Pass --model PATH for real text."
exec dotnet "$SIDECAR_DLL" dictate "$wav" --model "$(generated_model tiny)" --logLevel warning
