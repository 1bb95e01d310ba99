#!/usr/bin/env bash
# Generates the real-size test models for the memory bench into .artifacts/models (once; kept until deleted, never committed):
#   random-base.bin                  Whisper base.en shape, f16, 148 MB
#   random-large-v3-turbo.bin        Whisper large-v3-turbo shape (128 mels, 1280 state, 32+4 layers, 20 heads), f16, 1.6 GB
#   random-large-v3-turbo.truncated.bin   the same cut inside its tensor data (1.0 GB): a load that must fail
#   parakeet-int8-sized/             Parakeet TDT export names and shapes, 604 MB of int8 initializers
#   parakeet-int8-bad-decoder/       the same encoder (hard link) with a decoder cut in half: a load that fails half-way
#   parakeet-float-sized/            with --float: 2.4 GB of float32 weights as external data (encoder-model.onnx.data)
# Disk: about 3.5 GB, 6 GB with --float. Usage: bash bench/make-real-size-models.sh [--float] [--ci]
# --ci makes only what the CI short form needs (base.en Whisper, the int8 Parakeet and its bad-decoder copy).
source "$(dirname "$0")/../scripts/lib.sh"

float=0 ci=0
for a in "$@"; do
  case "$a" in
    --float) float=1 ;;
    --ci) ci=1 ;;
    *) echo "unknown option $a; usage: bash bench/make-real-size-models.sh [--float] [--ci]" >&2; exit 2 ;;
  esac
done

[ -f "$MODELGEN_DLL" ] || dotnet build "$ROOT/tools/Wispr.ModelGen/Wispr.ModelGen.csproj" -nologo -v:q >&2
models="$ARTIFACTS/models"
mkdir -p "$models"

generated_model base >/dev/null
if [ "$ci" = 0 ]; then
  turbo="$(generated_model large-v3-turbo)"
  truncated="$models/random-large-v3-turbo.truncated.bin"
  if [ ! -s "$truncated" ] || [ "$turbo" -nt "$truncated" ]; then
    # Cut in the middle of the tensor data: the header and tensor table up to there are intact, so only a check of the
    # tensors' total size against the file catches it (whisper.cpp itself would read garbage or abort).
    head -c 1000000000 "$turbo" > "$truncated.tmp" && mv "$truncated.tmp" "$truncated"
  fi
fi

int8="$(sized_parakeet_model int8)"
bad="$models/parakeet-int8-bad-decoder"
if [ ! -s "$bad/decoder_joint-model.int8.onnx" ] || [ "$int8/config.json" -nt "$bad/config.json" ]; then
  rm -rf "$bad.tmp" && mkdir -p "$bad.tmp"
  ln "$int8/encoder-model.int8.onnx" "$bad.tmp/" 2>/dev/null || cp "$int8/encoder-model.int8.onnx" "$bad.tmp/"
  cp "$int8/vocab.txt" "$bad.tmp/"
  size=$(stat -c %s "$int8/decoder_joint-model.int8.onnx")
  head -c $((size / 2)) "$int8/decoder_joint-model.int8.onnx" > "$bad.tmp/decoder_joint-model.int8.onnx"
  cp "$int8/config.json" "$bad.tmp/"
  rm -rf "$bad" && mv "$bad.tmp" "$bad"
fi
[ "$float" = 0 ] || sized_parakeet_model float >/dev/null
log "Real-size models in $models:"
du -sh "$models"/random-base.bin "$models"/random-large-v3-turbo*.bin "$models"/parakeet-*-sized "$models"/parakeet-int8-bad-decoder >&2 2>/dev/null || true
