#!/usr/bin/env bash
# Starts (once) a private PulseAudio daemon for the tests: no hardware, one null sink "wispr_test" whose monitor
# "wispr_test.monitor" is the default source, so what a test plays with paplay is what the product's capture code records.
# Works as root and as a user. Idempotent: a second call finds the running daemon.
# Prints the shell line to reach it:   eval "$(bash scripts/pulse-test-server.sh)"   → export PULSE_SERVER=unix:…/native
# Exit 0 when the server answers `pactl info`; 1 (with the reason on stderr) when PulseAudio is missing or will not start.
#   bash scripts/pulse-test-server.sh --stop   stops this checkout's daemon and removes its folder (test-all.sh does, on exit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One daemon per checkout (several worktrees may test at once), in a short path (unix sockets allow ~100 characters).
key=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
dir="${WISPR_PULSE_DIR:-/tmp/wispr-pulse-$(id -u)-$key}"
socket="$dir/native"
export PULSE_SERVER="unix:$socket"

ready() { pactl info >/dev/null 2>&1; }

if [ "${1:-}" = "--stop" ]; then
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    # Wait for the daemon to be gone (it removes its socket on the way out), bounded: then it is killed outright.
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
  exit 0
fi

if ! ready; then
  for tool in pulseaudio pactl parec paplay; do
    command -v "$tool" >/dev/null || { echo "pulse-test-server: '$tool' is not installed (Debian: apt-get install pulseaudio pulseaudio-utils)" >&2; exit 1; }
  done
  mkdir -p "$dir/state"
  chmod 700 "$dir"
  [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
  rm -f "$socket" "$dir/pid"
  # -n: no default.pa (no hardware, no suspend-on-idle); --system=false with our own runtime dir lets root run it too.
  PULSE_RUNTIME_PATH="$dir" PULSE_STATE_PATH="$dir/state" XDG_RUNTIME_DIR="$dir" HOME="$dir" \
    pulseaudio --daemonize=yes --system=false -n --exit-idle-time=-1 --disallow-exit --use-pid-file=yes \
      --log-target="file:$dir/log" \
      --load="module-native-protocol-unix auth-anonymous=1 socket=$socket" \
      --load="module-null-sink sink_name=wispr_test rate=16000 channels=1 sink_properties=device.description=Wispr_test_sink" \
    || { echo "pulse-test-server: pulseaudio did not start; see $dir/log" >&2; tail -5 "$dir/log" >&2 || true; exit 1; }
  # Wait for readiness by asking the server, not by sleeping a fixed time.
  for _ in $(seq 1 100); do ready && break; sleep 0.05; done
  ready || { echo "pulse-test-server: pulseaudio started but does not answer on $socket; see $dir/log" >&2; exit 1; }
fi
pactl set-default-sink wispr_test >/dev/null
pactl set-default-source wispr_test.monitor >/dev/null
echo "export PULSE_SERVER=$PULSE_SERVER"
