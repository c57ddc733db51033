#!/usr/bin/env bash
# `npm start`: everything a newcomer needs, from a fresh clone on a machine with only Node (20 or
# newer) and npm — Node 24 and pnpm, the dependencies, the local infrastructure (unless
# KAFKA_BROKERS / SCHEMA_REGISTRY_URL / MONGO_URL are set), then the dev stack. Each long step says
# what runs and how long it took; the total is in the banner.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/use-node.sh
source scripts/lib/dependencies.sh
ensure_dependencies

node scripts/start.ts --check-ports
infra_was_up=yes
bash infra/infra.sh status >/dev/null 2>&1 || infra_was_up=no
bash infra/infra.sh up
# Ctrl-C: the stack stops its processes; the infrastructure stops too if this run started it — after
# the stack, so no service sees Kafka go away while it is stopping. A trap (not the default action)
# keeps this shell alive until node has exited; the cleanup runs once, however many signals come.
cleanup() {
  trap - EXIT INT TERM
  trap '' PIPE # the terminal or pipe may be gone already: stop the infrastructure all the same
  if [ "$infra_was_up" = no ]; then bash infra/infra.sh down; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The services find the infrastructure where it runs (INFRA_*_PORT), or where the environment says.
eval "$(bash infra/infra.sh env)"
node scripts/start.ts
