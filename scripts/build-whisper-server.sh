#!/usr/bin/env bash
# Builds whisper.cpp's HTTP server (whisper-server, CPU only) from ../shared/vendor once per source commit and prints its path.
# The remote-backend tests run the sidecar against it; the binary is cached under .artifacts/whisper-server/<commit>/.
#   bash scripts/build-whisper-server.sh      -> /…/.artifacts/whisper-server/f24588a/bin/whisper-server
# Release, static, only the server target, -j2: about 2 minutes on 2 idle cores.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
VENDOR="${WISPR_WHISPER_CPP_SRC:-$ROOT/../shared/vendor/whisper.cpp-f24588a}"
COMMIT="${VENDOR##*-}"
OUT="$ARTIFACTS/whisper-server/$COMMIT"
BIN="$OUT/build/bin/whisper-server"
if [ -x "$BIN" ]; then printf '%s\n' "$BIN"; exit 0; fi
[ -f "$VENDOR/CMakeLists.txt" ] || { echo "build-whisper-server: no whisper.cpp source at $VENDOR" >&2; exit 1; }
for tool in cmake ninja g++; do
  command -v "$tool" >/dev/null || { echo "build-whisper-server: $tool is missing (Debian: cmake ninja-build g++)" >&2; exit 1; }
done
# Serialise concurrent callers (tests and scripts may both ask): the second waits and then finds the binary.
mkdir -p "$ARTIFACTS/whisper-server"
exec 9>"$ARTIFACTS/whisper-server/.lock"
flock 9
if [ -x "$BIN" ]; then printf '%s\n' "$BIN"; exit 0; fi
log "Building whisper-server from $VENDOR (once per source commit)"
start=$(date +%s)
# The top-level CMakeLists writes into its source tree and ../shared is read-only: build from a copy.
rm -rf "$OUT"
mkdir -p "$OUT"
cp -r "$VENDOR" "$OUT/src"
cmake -S "$OUT/src" -B "$OUT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_TESTS=OFF -DWHISPER_SDL2=OFF -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
  -DWHISPER_CURL=OFF >&2
cmake --build "$OUT/build" -j2 --target whisper-server >&2
rm -rf "$OUT/src"
[ -x "$BIN" ] || { echo "build-whisper-server: the build did not produce $BIN" >&2; exit 1; }
log "whisper-server built in $(( $(date +%s) - start )) s"
printf '%s\n' "$BIN"
