#!/usr/bin/env bash
# Packs what bench/gpu/whisper-cuda.sh needs on a bare GPU machine that has CUDA's compiler but no .NET and no network:
# the .NET runtime, the sidecar and the model generator (framework-dependent, linux-x64), and whisper.cpp's source at the
# commit Whisper.net 1.9.1 was built from, wrapped in Whisper.net's own CMakeLists (it names the libraries the way
# Whisper.net's loader looks for them: libggml-cuda-whisper.so and friends). Output: .gpu/payload.tar.xz (ignored by git).
#   WHISPER_CPP_SRC=/path/to/whisper.cpp/checkout  WHISPER_NET_SRC=/path/to/whisper.net/checkout  bash bench/gpu/make-payload.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
set -euo pipefail
: "${WHISPER_CPP_SRC:?a git checkout of ggml-org/whisper.cpp}" "${WHISPER_NET_SRC:?a git checkout of sandrohanea/whisper.net}"
WHISPER_CPP_COMMIT=f24588a272ae8e23280d9c220536437164e6ed28   # whisper.net 1.9.1's submodule (git ls-tree 1.9.1 whisper.cpp)
out="$ROOT/.gpu"; rm -rf "$out/stage"; mkdir -p "$out/stage/wcpp/whisper.cpp"
git -C "$WHISPER_CPP_SRC" archive "$WHISPER_CPP_COMMIT" CMakeLists.txt cmake ggml include src LICENSE | tar -x -C "$out/stage/wcpp/whisper.cpp"
git -C "$WHISPER_NET_SRC" show 1.9.1:CMakeLists.txt > "$out/stage/wcpp/CMakeLists.txt"
dotnet publish "$ROOT/sidecar/Wispr.Sidecar" -c Release -r linux-x64 --self-contained false -o "$out/stage/sidecar" -nologo -v:q
dotnet publish "$ROOT/tools/Wispr.ModelGen" -c Release -r linux-x64 --self-contained false -o "$out/stage/modelgen" -nologo -v:q
# Only what runs on linux-x64 travels (the transfer to the GPU machine is limited to 64 MiB).
find "$out/stage/sidecar/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
rm -rf "$out/stage/sidecar/onnxruntime.dll" "$out/stage/modelgen/runtimes" "$out/stage/modelgen/"*onnxruntime* "$out/stage/modelgen/models"
dn="$(dirname "$(readlink -f "$(command -v dotnet)")")"
mkdir -p "$out/stage/dotnet/shared" && cp -a "$dn/dotnet" "$dn/host" "$out/stage/dotnet/" && cp -a "$dn/shared/Microsoft.NETCore.App" "$out/stage/dotnet/shared/"
tar -C "$out/stage" -cf - sidecar modelgen dotnet wcpp | xz -T0 -6 > "$out/payload.tar.xz"
rm -rf "$out/stage"
ls -la "$out/payload.tar.xz"
