# Shared helpers for the repo's scripts. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARTIFACTS="$ROOT/.artifacts"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
SIDECAR_DLL="$ROOT/sidecar/Wispr.Sidecar/bin/Debug/net10.0/Wispr.Sidecar.dll"
MODELGEN_DLL="$ROOT/tools/Wispr.ModelGen/bin/Debug/net10.0/Wispr.ModelGen.dll"
VOCAB="$ROOT/assets/models/for-tests-ggml-tiny.en.bin"

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

build_all() {
  log "Building the sidecar, tools and tests (dotnet build wispr-vscode.sln)"
  dotnet build "$ROOT/wispr-vscode.sln" -nologo -v:q
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "Installing the extension's npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  log "Building the extension (npm run build)"
  (cd "$ROOT" && npm run --silent build)
}

# generated_model SHAPE -> prints the path of a random-weight Whisper model of that shape (test|tiny|base), made once.
generated_model() {
  local shape="$1" out="$ARTIFACTS/models/random-$1.bin"
  if [ ! -s "$out" ]; then
    mkdir -p "$ARTIFACTS/models"
    dotnet "$MODELGEN_DLL" --shape "$shape" --vocab "$VOCAB" --out "$out.tmp" >&2
    mv "$out.tmp" "$out"
  fi
  printf '%s\n' "$out"
}

# tiny_parakeet_model -> prints the folder of the tiny hand-weighted Parakeet TDT model (tools/parakeet-testmodel), made once.
# Needs /usr/bin/python3 with onnx and numpy (Debian: python3-onnx python3-numpy).
tiny_parakeet_model() {
  local out="$ARTIFACTS/models/parakeet-tiny" script="$ROOT/tools/parakeet-testmodel/make_tiny_parakeet.py"
  if [ ! -s "$out/expected.json" ] || [ "$script" -nt "$out/expected.json" ]; then
    rm -rf "$out.tmp"
    /usr/bin/python3 "$script" "$out.tmp" >&2
    rm -rf "$out"
    mv "$out.tmp" "$out"
  fi
  printf '%s\n' "$out"
}

# sized_parakeet_model int8|float -> prints the folder of a random-weight Parakeet TDT model of real size (about 604 MB of
# int8 initializers, or 2.4 GB float32 as external data; tools/parakeet-testmodel/make_sized_parakeet.py), made once.
sized_parakeet_model() {
  local precision="$1" out="$ARTIFACTS/models/parakeet-$1-sized" script="$ROOT/tools/parakeet-testmodel/make_sized_parakeet.py"
  if [ ! -s "$out/config.json" ] || [ "$script" -nt "$out/config.json" ]; then
    rm -rf "$out.tmp"
    /usr/bin/python3 "$script" "$out.tmp" --precision "$precision" >&2
    rm -rf "$out"
    mv "$out.tmp" "$out"
  fi
  printf '%s\n' "$out"
}
