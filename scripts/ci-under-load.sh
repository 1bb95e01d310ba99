#!/usr/bin/env bash
# CI under load: clones the current commit into a fresh temp folder (with ../shared beside it, as in CI), starts a busy
# loop pinned to one core, runs `CI=true bash .ci/run` there N times, then stops the loop and removes the clone. Prints
# each run's closing line and a total; exits 0 only when every run passed.
#   bash scripts/ci-under-load.sh [N]            N runs (default 10)
#   WISPR_LOAD_CORE=0 bash scripts/ci-under-load.sh   pin the busy loop to core 0 (default: 1, or 0 on a 1-core machine)
#   WISPR_LOAD_LINK_MODULES=1 ...                seed the clone's node_modules with hard links to this checkout's
#                                                (skips the first run's npm installs; the lock files must be the same)
# Only committed changes are tested. Run logs: .artifacts/ci-under-load/run-N.log in this checkout; a failed run's screenshots,
# suite logs and test results are kept beside it in run-N/.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-10}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N]  (N runs, default 10)" >&2; exit 2; }
core="${WISPR_LOAD_CORE:-$(( $(nproc) > 1 ? 1 : 0 ))}"
commit=$(git -C "$ROOT" rev-parse HEAD)
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] && echo "ci-under-load: uncommitted changes are not tested (commit $commit is)" >&2
logs="$ROOT/.artifacts/ci-under-load"
rm -rf "$logs" && mkdir -p "$logs"

work=$(mktemp -d "${TMPDIR:-/tmp}/wispr-ci-load.XXXXXX")
hog="" ci=""
stop_all() {
  # A run cut short (Ctrl+C, kill) goes with its whole process group: test-all.sh, its suites, code-server, sidecars.
  if [ -n "$ci" ]; then kill -TERM -- "-$ci" 2>/dev/null; wait "$ci" 2>/dev/null; fi
  if [ -n "$hog" ]; then kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; fi
  # The clone's own PulseAudio test server, if a run was cut short before its test-all.sh stopped it.
  [ -x "$work/repo/scripts/pulse-test-server.sh" ] && bash "$work/repo/scripts/pulse-test-server.sh" --stop
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

git clone -q --no-checkout "$ROOT" "$work/repo" && git -C "$work/repo" checkout -q --detach "$commit" \
  || { echo "ci-under-load: could not clone $ROOT at $commit" >&2; exit 1; }
if [ -d "$ROOT/../shared" ]; then ln -s "$(cd "$ROOT/../shared" && pwd)" "$work/shared"; fi
if [ "${WISPR_LOAD_LINK_MODULES:-}" = 1 ]; then
  for d in node_modules tests/e2e/node_modules build/node_modules; do
    [ -d "$ROOT/$d" ] && cp -al "$ROOT/$d" "$work/repo/$d"
  done
fi

taskset -c "$core" sh -c 'while :; do :; done' &
hog=$!
echo "ci-under-load: commit ${commit:0:12} cloned to $work/repo; busy loop (pid $hog) on core $core; $runs run(s)"

ok=0 bad=0 results=()
for i in $(seq 1 "$runs"); do
  t0=$(date +%s)
  # In its own process group (setsid), so that stopping this script stops the run too.
  (cd "$work/repo" && CI=true exec setsid bash .ci/run) >"$logs/run-$i.log" 2>&1 &
  ci=$!
  wait "$ci"
  rc=$?
  ci=""
  last=$(tail -1 "$logs/run-$i.log")
  line="run $i: exit $rc in $(( $(date +%s) - t0 )) s: $last"
  [ "$rc" -eq 0 ] && ok=$((ok + 1)) || { bad=$((bad + 1)); line+="  (log: $logs/run-$i.log)"; }
  results+=("$line")
  echo "$line"
  if [ "$rc" -ne 0 ]; then
    # The clone goes at the end: keep what a failure leaves to read (screenshots, suite logs, test results).
    mkdir -p "$logs/run-$i"
    for d in tests/e2e/artifacts tests/e2e/.cache/run-1.100.log tests/e2e/.cache/run-1.139.log .artifacts/logs .artifacts/test-results; do
      [ -e "$work/repo/$d" ] && cp -r "$work/repo/$d" "$logs/run-$i/"
    done
    grep -E '^ *(✗|✖|not ok|\[xUnit.net.*FAIL|  Failed |broken suite)' "$logs/run-$i.log" | head -20 | sed 's/^/    /'
  fi
done

echo "ci-under-load: $runs run(s) with a busy loop on core $core: $ok passed, $bad failed"
[ "$bad" -eq 0 ]
