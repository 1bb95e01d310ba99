#!/usr/bin/env bash
# Runs on the GPU machine (see bench/README.md, "GPU"): builds whisper.cpp with CUDA exactly as Whisper.net.Runtime.Cuda is
# built (Whisper.net's CMake wrapper, -DGGML_CUDA=ON), drops it where Whisper.net's loader looks (runtimes/cuda/linux-x64),
# and times the real sidecar's `transcribe` of samples/jfk.wav on the CPU (--cpu) and on the GPU (--gpu), same machine,
# random-weight never-end-text models capped at the reference's token count. Writes everything to $OUT (or ./gpu-out).
set -uo pipefail
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"; exec > >(tee "$OUT/log.txt") 2>&1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"; G=/tmp/wispr-gpu; REPS="${REPS:-3}"
rm -rf "$G"; mkdir -p "$G"; tar -xJf "$ROOT/.gpu/payload.tar.xz" -C "$G" || exit 1
export DOTNET_ROOT="$G/dotnet" PATH="$G/dotnet:$PATH" LD_LIBRARY_PATH="/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nvcc --version | tail -1; nproc
t0=$(date +%s)
cmake -S "$G/wcpp" -B "$G/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_TESTS=OFF > "$OUT/cmake.txt" 2>&1 || { tail -30 "$OUT/cmake.txt"; exit 1; }
cmake --build "$G/build" -j "$(nproc)" > "$OUT/build.txt" 2>&1 || { tail -40 "$OUT/build.txt"; exit 1; }
echo "whisper.cpp CUDA build: $(( $(date +%s) - t0 )) s"
rt="$G/sidecar/runtimes/cuda/linux-x64"; mkdir -p "$rt"
cp "$G/build/whisper.cpp/src/libwhisper.so" "$G"/build/whisper.cpp/ggml/src/libggml*-whisper.so "$G/build/whisper.cpp/ggml/src/ggml-cuda/libggml-cuda-whisper.so" "$rt/" || exit 1
ls -la "$rt"
vocab="$ROOT/assets/models/for-tests-ggml-tiny.en.bin"
for shape in tiny base; do dotnet "$G/modelgen/Wispr.ModelGen.dll" --shape $shape --vocab "$vocab" --out "$G/random-$shape.bin" --never-end-text >/dev/null || exit 1; done
sc="$G/sidecar/Wispr.Sidecar.dll"; wav="$ROOT/samples/jfk.wav"
TIME=(); [ -x /usr/bin/time ] && TIME=(/usr/bin/time -f "peak_rss_kb=%M")
# jfk.wav's reference transcript is 27 tokens; every run decodes exactly that many, so CPU and GPU do the same work.
for shape in tiny base; do
  for dev in cpu gpu; do
    for i in $(seq 0 "$REPS"); do   # run 0 is a warm-up (page cache, CUDA context and kernel load)
      "${TIME[@]}" dotnet "$sc" transcribe "$wav" --model "$G/random-$shape.bin" --$dev --maxTokens 27 \
        --threads 8 --logLevel Information > /dev/null 2> "$G/run.txt"
      rc=$?
      grep -E "whisper.cpp runtime|No CUDA|CUDA|recognition|peak_rss" "$G/run.txt" | sed "s/^/$shape $dev #$i rc=$rc: /" | grep -v "ggml_cuda_init\|  Device" | tail -4
    done
  done
done
# ONNX Runtime (Parakeet) with --gpu on the CPU package: must fall back with one clear log line.
echo "parakeet --gpu on the CPU build of ONNX Runtime:"
python3 "$ROOT/tools/parakeet-testmodel/make_tiny_parakeet.py" "$G/parakeet-tiny" > /dev/null 2>&1 || echo "(no tiny Parakeet model: python3 lacks onnx/numpy)"
dotnet "$sc" transcribe "$wav" --backend parakeet --parakeetModel "$G/parakeet-tiny" --gpu 2>&1 | grep -E "CUDA|CPU|recognition|error" | head -5
echo "total: $(( $(date +%s) - t0 )) s"
