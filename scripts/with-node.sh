#!/usr/bin/env bash
# Runs a command with Node.js 24 and pnpm on PATH (fetched from the npm registry when missing) and the
# workspace's dependencies installed: every package.json script goes through here, so `npm test`,
# `npm run lint`, … work on a fresh clone on a machine with nothing but Node and npm.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/use-node.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/dependencies.sh"
ensure_dependencies
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/node_modules/.bin:$PATH"
exec "$@"
