# Source me (after scripts/use-node.sh, which puts pnpm on PATH). ensure_dependencies installs the
# workspace's dependencies with the frozen lockfile when node_modules is missing or older than
# pnpm-lock.yaml (pnpm keeps a copy of the lockfile it installed in node_modules/.pnpm/lock.yaml, so
# an unchanged tree costs one file comparison, not a pnpm run). pnpm's output goes to a log file.
source "$(dirname "${BASH_SOURCE[0]}")/progress.sh"

ensure_dependencies() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cmp -s "$root/pnpm-lock.yaml" "$root/node_modules/.pnpm/lock.yaml" && return 0
  local log="${INSTALLHUB_INFRA_DIR:-$root/.infra}/setup.log"
  step_begin "dependencies" "pnpm install --frozen-lockfile (output in $(display_path "$log"))"
  (cd "$root" && run_logged "$log" pnpm install --frozen-lockfile --reporter=append-only) || return 1
  step_end "dependencies" installed
}
