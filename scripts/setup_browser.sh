#!/usr/bin/env bash
# Installs what the studio's browser test (tests/browser) needs on a Debian machine: Debian's
# Chromium (/usr/bin/chromium), Node.js and npm if they are missing (apt-get update once, then
# apt-get install; through sudo only when not root), and the test's pinned npm packages
# (puppeteer-core, which downloads no browser) with `npm ci` into tests/browser/node_modules.
# Safe to run again: it installs nothing that is already there.
# Usage: bash scripts/setup_browser.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
browser_dir="$root/tests/browser"

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo)
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup_browser.sh: installing ${missing[*]} with apt-get"
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# `npm ci` empties node_modules and installs anew; skip it when the pinned puppeteer-core is
# already installed there.
pinned="$(node -p "require('$browser_dir/package.json').dependencies['puppeteer-core']")"
installed="$(node -p "try { require('$browser_dir/node_modules/puppeteer-core/package.json').version } catch (e) { '' }")"
if [ "$installed" != "$pinned" ]; then
    (cd "$browser_dir" && npm ci --no-audit --no-fund)
fi
echo "setup_browser.sh: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium ?'), node $(node --version), puppeteer-core $pinned"
