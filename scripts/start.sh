#!/usr/bin/env bash
# `pnpm start`: everything a newcomer needs, from a fresh clone — Node 24, dependencies, the local
# infrastructure (unless KAFKA_BROKERS / SCHEMA_REGISTRY_URL / MONGO_URL are set), then the dev stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/use-node.sh
pnpm install --frozen-lockfile --reporter=silent

infra_was_up=yes
bash infra/infra.sh status >/dev/null 2>&1 || infra_was_up=no
bash infra/infra.sh up
# Ctrl-C: the stack stops its processes; the infrastructure stops too if this run started it.
cleanup() {
  if [ "$infra_was_up" = no ] && [ -z "${KAFKA_BROKERS:-}" ]; then bash infra/infra.sh down; fi
}
trap cleanup EXIT
node scripts/start.ts
