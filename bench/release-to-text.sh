#!/usr/bin/env bash
# Issue 13's benchmark: release-to-text of real speech played in real time, before and after, quiet and busy (bench/README.md).
#   bash bench/release-to-text.sh [--quick] [--reps N] [--lengths 5,15,30,60] [--loads quiet,busy2,second,busy8]
#                                 [--models tiny,base,parakeet] [--pauses 600,0] [--legs before,oldcuts,after]
# Run it on an otherwise quiet machine: the loads it adds are the point, anyone else's spoil it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
log "Building Release (sidecar, model generator, bench)"
dotnet build "$ROOT/bench/Wispr.Bench/Wispr.Bench.csproj" -c Release -nologo -v:q
if [[ " $* " != *" --models "* || " $* " == *parakeet* ]]; then
  tiny_parakeet_model >/dev/null   # the Parakeet test model, made once (needs /usr/bin/python3 with onnx and numpy)
fi
cd "$ROOT"
exec dotnet "$ROOT/bench/Wispr.Bench/bin/Release/net10.0/Wispr.Bench.dll" release --root "$ROOT" "$@"
