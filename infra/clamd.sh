#!/usr/bin/env bash
# ClamAV daemon (clamd) on loopback for the scanner's CLAMD_URL (tcp://127.0.0.1:3310).
#
#   clamd.sh up|down|status|url
#
# INFRA_CLAMD_PORT moves it (default 3310); with CLAMD_URL set, that clamd is used and none started.
# Installs the Debian package clamav-daemon when clamd is missing (needs root and apt). The official
# virus database is not downloaded: clamd starts from a database holding only a body signature for
# the EICAR test string. That proves the wiring end to end; a real deployment points clamd at a
# database kept current by freshclam.
#
# Where its files live. Started as root, clamd reads its configuration and opens its socket, then
# drops to the `clamav` user before it loads the database — and it should: it parses untrusted
# archives, and ClamAV's parsers have had remote code execution bugs (CVE-2023-20032, HFS+). The
# `clamav` user cannot read below a checkout whose parent folder is private (0700, as `mktemp -d`
# makes, or a home directory), so the database then lives in /var/lib/installhub/clamd, owned by
# `clamav`; configuration, log and pid stay in .infra/clamd, which only root reads. Started by
# another user, clamd keeps that user and reads everything from .infra/clamd.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${INSTALLHUB_INFRA_DIR:-$ROOT/.infra}/clamd
PORT=${INFRA_CLAMD_PORT:-3310}
UP_DEADLINE_SECONDS=${CLAMD_UP_DEADLINE_SECONDS:-120}
SYSTEM_DB=/var/lib/installhub/clamd
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
source "$ROOT/infra/ports.sh"

log() { printf 'clamd: %s\n' "$*" >&2 || true; } # a closed stderr must not stop a `down`
die() { log "$*"; exit 1; }

[[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] ||
  die "INFRA_CLAMD_PORT=$PORT: expected a TCP port (1-65535)"

clamd_binary() { command -v clamd || { [ -x /usr/sbin/clamd ] && echo /usr/sbin/clamd; } || true; }

pid() { cat "$STATE/pid" 2>/dev/null || true; }
# Alive, and started by this script for this state directory.
is_running() { is_own_process "$(pid)" "$STATE/"; }
# The port of a running clamd is the one it was started with.
running_port() { cat "$STATE/port" 2>/dev/null || echo "$PORT"; }
drops_privileges() { [ "$(id -u)" = 0 ] && id clamav >/dev/null 2>&1; }

answers_ping() {
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'zPING\0' >&3
  local reply
  reply=$(timeout 2 head -c 5 <&3 | tr -d '\0' || true)
  exec 3>&-
  [ "$reply" = "PONG" ]
}

# Up: our process alive, holding the port, answering PING there.
is_up() {
  is_running && [ "$(port_owner "$(running_port)" "$(pid)")" = ours ] && answers_ping "$(running_port)"
}

install_clamd() {
  [ -n "$(clamd_binary)" ] && return
  command -v apt-get >/dev/null || die "clamd is missing and apt-get is not available; install ClamAV"
  [ "$(id -u)" = 0 ] || die "clamd is missing; run as root once, or: apt-get install clamav-daemon"
  log "installing clamav-daemon"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clamav-daemon >&2
}

# The signature database, where the user clamd runs as can read it; prints its directory.
write_database() {
  local db=$STATE/db hex
  if drops_privileges; then
    db=$SYSTEM_DB
    install -d -m 0755 "$(dirname "$db")"
    install -d -m 0755 -o clamav -g clamav "$db"
  fi
  mkdir -p "$db"
  hex=$(printf '%s' "$EICAR" | od -An -tx1 | tr -d ' \n')
  # Several checkouts share the system directory: replace the file only when it differs, atomically.
  if [ "$(cat "$db/installhub-eicar.ndb" 2>/dev/null)" != "InstallHub.Test.EICAR:0:*:$hex" ]; then
    printf 'InstallHub.Test.EICAR:0:*:%s\n' "$hex" >"$db/.installhub-eicar.ndb.$$"
    mv "$db/.installhub-eicar.ndb.$$" "$db/installhub-eicar.ndb"
  fi
  echo "$db"
}

write_config() { # database directory
  mkdir -p "$STATE"
  cat >"$STATE/clamd.conf" <<EOF
DatabaseDirectory $1
TCPSocket $PORT
TCPAddr 127.0.0.1
Foreground yes
LogTime yes
StreamMaxLength 64M
MaxThreads 4
EOF
  if drops_privileges; then echo "User clamav" >>"$STATE/clamd.conf"; fi
}

up() {
  if [ -n "${CLAMD_URL:-}" ]; then
    log "using CLAMD_URL=$CLAMD_URL from the environment; not starting one"
    return
  fi
  if is_running; then
    [ "$(running_port)" = "$PORT" ] ||
      die "already running (pid $(pid)) on port $(running_port), not the configured $PORT; run \`clamd.sh down\` first to move it"
    if is_up; then
      log "already running (pid $(pid)) on 127.0.0.1:$PORT"
      return
    fi
  else
    local owner
    owner=$(port_owner "$PORT")
    if [ "${owner%% *}" = foreign ]; then
      die "port $PORT is held by ${owner#foreign }, not by this checkout's clamd (state in $STATE) — stop that process, or use it on purpose: export CLAMD_URL=tcp://127.0.0.1:$PORT (or give this checkout another port: INFRA_CLAMD_PORT=…)"
    fi
    install_clamd
    write_config "$(write_database)"
    echo "$PORT" >"$STATE/port"
    # setsid: its own process group, so the port can be told from anybody else's.
    setsid nohup "$(clamd_binary)" --config-file="$STATE/clamd.conf" >>"$STATE/clamd.log" 2>&1 </dev/null &
    echo $! >"$STATE/pid"
  fi
  local deadline=$((SECONDS + UP_DEADLINE_SECONDS))
  until is_up; do
    is_running || { tail -n 5 "$STATE/clamd.log" >&2; die "clamd exited; see $STATE/clamd.log"; }
    [ $SECONDS -lt $deadline ] || die "clamd did not answer PING within ${UP_DEADLINE_SECONDS}s; see $STATE/clamd.log"
    sleep 1
  done
  log "up on tcp://127.0.0.1:$PORT (pid $(pid))"
}

down() {
  if is_running; then
    local pid
    pid=$(pid)
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    log "stopped (pid $pid)"
  fi
  rm -f "$STATE/pid" "$STATE/port"
}

status() {
  if is_up; then
    echo "clamd: up (pid $(pid)) on tcp://127.0.0.1:$(running_port)"
  elif is_running; then
    echo "clamd: running (pid $(pid)) but not answering on port $(running_port) — see $STATE/clamd.log"
    return 1
  else
    local owner
    owner=$(port_owner "$PORT")
    if [ "${owner%% *}" = foreign ]; then
      echo "clamd: down — port $PORT is held by ${owner#foreign }, which is not this checkout's"
    else
      echo "clamd: down"
    fi
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  url) echo "${CLAMD_URL:-tcp://127.0.0.1:$(if is_running; then running_port; else echo "$PORT"; fi)}" ;;
  *) die "usage: clamd.sh up|down|status|url" ;;
esac
