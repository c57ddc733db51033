#!/usr/bin/env bash
# ClamAV daemon (clamd) on loopback for the scanner's CLAMD_URL (tcp://127.0.0.1:3310).
#
#   clamd.sh up|down|status
#
# Installs the Debian package clamav-daemon when clamd is missing (needs root and apt). The official
# virus database is not downloaded: clamd starts from .infra/clamd/db, which holds only a body
# signature for the EICAR test string. That proves the wiring end to end; a real deployment points
# clamd at a database kept current by freshclam.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${INSTALLHUB_INFRA_DIR:-$ROOT/.infra}/clamd
PORT=${CLAMD_PORT:-3310}
UP_DEADLINE_SECONDS=${CLAMD_UP_DEADLINE_SECONDS:-120}
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

log() { printf 'clamd: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

clamd_binary() { command -v clamd || { [ -x /usr/sbin/clamd ] && echo /usr/sbin/clamd; } || true; }

is_running() { [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; }

answers_ping() {
  { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
  printf 'zPING\0' >&3
  local reply
  reply=$(timeout 2 head -c 5 <&3 | tr -d '\0' || true)
  exec 3>&-
  [ "$reply" = "PONG" ]
}

install_clamd() {
  [ -n "$(clamd_binary)" ] && return
  command -v apt-get >/dev/null || die "clamd is missing and apt-get is not available; install ClamAV"
  [ "$(id -u)" = 0 ] || die "clamd is missing; run as root once, or: apt-get install clamav-daemon"
  log "installing clamav-daemon"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clamav-daemon >&2
}

write_config() {
  mkdir -p "$STATE/db"
  local hex
  hex=$(printf '%s' "$EICAR" | od -An -tx1 | tr -d ' \n')
  printf 'InstallHub.Test.EICAR:0:*:%s\n' "$hex" >"$STATE/db/installhub-eicar.ndb"
  cat >"$STATE/clamd.conf" <<EOF
DatabaseDirectory $STATE/db
TCPSocket $PORT
TCPAddr 127.0.0.1
Foreground yes
LogTime yes
StreamMaxLength 64M
MaxThreads 4
EOF
  # Running as root, clamd would switch to the clamav user, which must be able to read the state.
  if id clamav >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "User clamav" >>"$STATE/clamd.conf"
    chown -R clamav "$STATE"
  fi
}

up() {
  if is_running && answers_ping; then
    log "already running (pid $(cat "$STATE/pid")) on 127.0.0.1:$PORT"
    return
  fi
  install_clamd
  write_config
  setsid nohup "$(clamd_binary)" --config-file="$STATE/clamd.conf" >>"$STATE/clamd.log" 2>&1 </dev/null &
  echo $! >"$STATE/pid"
  local deadline=$((SECONDS + UP_DEADLINE_SECONDS))
  until answers_ping; do
    is_running || die "clamd exited; see $STATE/clamd.log"
    [ $SECONDS -lt $deadline ] || die "clamd did not answer PING within ${UP_DEADLINE_SECONDS}s"
    sleep 1
  done
  log "up on tcp://127.0.0.1:$PORT (pid $(cat "$STATE/pid"))"
}

down() {
  if is_running; then
    local pid
    pid=$(cat "$STATE/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/pid"
  log "down"
}

status() {
  if is_running && answers_ping; then echo "clamd: running on tcp://127.0.0.1:$PORT"; else echo "clamd: stopped"; return 1; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: clamd.sh up|down|status" ;;
esac
