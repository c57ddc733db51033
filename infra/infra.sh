#!/usr/bin/env bash
# Local infrastructure without Docker: Apache Kafka (KRaft, one node), Apicurio Registry
# (Confluent-compatible API) and FerretDB (MongoDB wire protocol) on PostgreSQL, all on loopback.
#
#   infra.sh provision|up|down|forget|status|env|logs [component]|log-files|versions
#
# Downloads are cached in $INSTALLHUB_CACHE (default ~/.cache/installhub); data, logs and pid files
# live in .infra/ of the repository (git-ignored; INSTALLHUB_INFRA_DIR moves it).
#
# Ports, one setting per component (defaults in brackets), so two checkouts can run side by side:
#   INFRA_KAFKA_PORT [9092]  INFRA_KAFKA_CONTROLLER_PORT [9093]  INFRA_REGISTRY_PORT [8081]
#   INFRA_MONGO_PORT [27017]
# FerretDB stores in PostgreSQL (a Unix socket, no port); INFRA_MONGO_BACKEND=sqlite keeps the old SQLite.
# A component whose URL is set (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGO_URL) is used as it is and
# neither provisioned nor started. `env` prints the three URLs to use, as `export` lines.
#
# The servers are this checkout's own or nobody's: `up` refuses to start while another process holds
# one of the ports, and a component counts as up only while the process `up` started holds its port
# and answers there — never because something else answers on that port.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${INSTALLHUB_CACHE:-$HOME/.cache/installhub}
STATE=${INSTALLHUB_INFRA_DIR:-$ROOT/.infra}
UP_DEADLINE_SECONDS=${INFRA_UP_DEADLINE_SECONDS:-180}
PROVISION_LOG=$STATE/setup.log
source "$ROOT/infra/ports.sh"
source "$ROOT/scripts/lib/progress.sh"

KAFKA_VERSION=3.9.1
APICURIO_VERSION=3.0.9
FERRETDB_VERSION=v1.24.2
# FerretDB's storage: PostgreSQL (Debian's package) takes concurrent writes; SQLite has one writer, and
# under load answers SQLITE_BUSY, lets its WAL grow without bound and crashed on a dropped database.
MONGO_BACKEND=${INFRA_MONGO_BACKEND:-postgresql}

COMPONENTS=(kafka registry mongodb)

log() { printf 'infra: %s\n' "$*" >&2 || true; } # a closed stderr must not stop a `down`
die() { log "$*"; exit 1; }

# ---------- settings ----------

port_setting() { # the variable that sets a port: kafka, kafka-controller, registry, mongodb
  case $1 in
    kafka) echo INFRA_KAFKA_PORT ;;
    kafka-controller) echo INFRA_KAFKA_CONTROLLER_PORT ;;
    registry) echo INFRA_REGISTRY_PORT ;;
    mongodb) echo INFRA_MONGO_PORT ;;
  esac
}
port_default() {
  case $1 in kafka) echo 9092 ;; kafka-controller) echo 9093 ;; registry) echo 8081 ;; mongodb) echo 27017 ;; esac
}
configured_port() {
  local variable value
  variable=$(port_setting "$1")
  value=${!variable:-$(port_default "$1")}
  [[ $value =~ ^[0-9]+$ ]] && [ "$value" -ge 1 ] && [ "$value" -le 65535 ] ||
    die "$variable=$value: expected a TCP port (1-65535)"
  echo "$value"
}

# The ports a component listens on, in the order "service port [controller port]".
port_keys() { if [ "$1" = kafka ]; then echo kafka kafka-controller; else echo "$1"; fi; }
configured_ports() {
  local key ports=()
  for key in $(port_keys "$1"); do ports+=("$(configured_port "$key")"); done
  echo "${ports[*]}"
}
# A running component keeps the ports it was started with (recorded at start); otherwise the settings.
ports_of() {
  if is_running "$1" && [ -f "$STATE/$1/ports" ]; then cat "$STATE/$1/ports"; else configured_ports "$1"; fi
}
ports_set_explicitly() {
  local key variable
  for key in $(port_keys "$1"); do
    variable=$(port_setting "$key")
    [ -z "${!variable:-}" ] || return 0
  done
  return 1
}
main_port() { local ports; ports=$(ports_of "$1"); echo "${ports%% *}"; }

url_variable() { case $1 in kafka) echo KAFKA_BROKERS ;; registry) echo SCHEMA_REGISTRY_URL ;; mongodb) echo MONGO_URL ;; esac; }
url_for_port() {
  case $1 in
    kafka) echo "127.0.0.1:$2" ;;
    registry) echo "http://127.0.0.1:$2/apis/ccompat/v7" ;;
    mongodb) echo "mongodb://127.0.0.1:$2/" ;;
  esac
}
# Set from the environment: use that server, do not provision or start one.
is_external() { local variable; variable=$(url_variable "$1"); [ -n "${!variable:-}" ]; }

# ---------- this checkout's processes ----------

pid_file() { echo "$STATE/$1/pid"; }
log_file() { echo "$STATE/$1/$1.log"; }
pid_of() { cat "$(pid_file "$1")" 2>/dev/null || true; }

# Alive, and started by this script for this state directory (its command line names the directory).
is_running() { is_own_process "$(pid_of "$1")" "$STATE/"; }

# The one line that stops `up`: who holds the port, and the ways out.
foreign_port_message() { # component, port key, port, holder
  local name=$1 key=$2 port=$3 holder=$4 way
  if [ "$key" = "$name" ]; then
    way="use it on purpose: export $(url_variable "$name")=$(url_for_port "$name" "$port")"
  else
    way="move this checkout's controller: export $(port_setting "$key")=<free port>"
  fi
  echo "$name: port $port is held by $holder, not by this checkout's $name (state in $(display_path "$STATE")) — stop that process, or $way (or give this checkout other ports: $(port_setting "$key")=…)"
}

# Prints a line for every port of the component that another process holds; fails if there was one.
check_ports_free() {
  local name=$1 key port owner
  for key in $(port_keys "$name"); do
    port=$(configured_port "$key")
    owner=$(port_owner "$port")
    if [ "${owner%% *}" = foreign ]; then
      log "$(foreign_port_message "$name" "$key" "$port" "${owner#foreign }")"
      return 1 # one line per component: its other port is most likely held by the same process
    fi
  done
}

# ok | starting (not all ports held by our process yet) | foreign <message> — about our process's ports.
ports_state() {
  local name=$1 pid ports keys port key owner i=0 state=ok
  pid=$(pid_of "$name")
  read -r -a ports <<<"$(ports_of "$name")"
  read -r -a keys <<<"$(port_keys "$name")"
  for port in "${ports[@]}"; do
    key=${keys[$i]}
    i=$((i + 1))
    owner=$(port_owner "$port" "$pid")
    case ${owner%% *} in
      ours) ;;
      free) state=starting ;;
      foreign)
        echo "foreign $(foreign_port_message "$name" "$key" "$port" "${owner#foreign }")"
        return
        ;;
    esac
  done
  echo "$state"
}

# ---------- toolchain for the probes ----------

# The Kafka and MongoDB probes are Node scripts (kafkajs, mongodb driver): Node 24 and the workspace's
# dependencies, installed on first use when this script is run directly on a fresh clone.
ensure_probe_toolchain() {
  [ -z "${PROBE_TOOLCHAIN_READY:-}" ] || return 0
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 24 ] || ! cmp -s "$ROOT/pnpm-lock.yaml" "$ROOT/node_modules/.pnpm/lock.yaml"; then
    source "$ROOT/scripts/use-node.sh"
    source "$ROOT/scripts/lib/dependencies.sh"
    ensure_dependencies
  fi
  PROBE_TOOLCHAIN_READY=1
}

# ---------- provisioning (cached downloads) ----------

provision_kafka() {
  local libs="$CACHE/kafka-$KAFKA_VERSION/libs"
  if [ ! -f "$libs/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    step_begin "Kafka broker jars $KAFKA_VERSION" "fetching from Maven Central (output in $(display_path "$PROVISION_LOG"))"
    rm -rf "$libs.partial"
    run_logged "$PROVISION_LOG" mvn -B -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$libs.partial" || exit 1
    mv "$libs.partial" "$libs"
    step_end "Kafka broker jars $KAFKA_VERSION" ready
  fi
}

provision_registry() {
  local dir="$CACHE/apicurio-$APICURIO_VERSION"
  if [ ! -f "$dir/apicurio-registry-app-$APICURIO_VERSION-runner.jar" ]; then
    step_begin "Apicurio Registry $APICURIO_VERSION" "fetching from Maven Central (output in $(display_path "$PROVISION_LOG"))"
    local work="$dir.partial"
    rm -rf "$work" && mkdir -p "$work"
    run_logged "$PROVISION_LOG" mvn -B dependency:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:zip:all" -DoutputDirectory="$work" || exit 1
    (cd "$work" && unzip -q ./*.zip && rm -f ./*.zip)
    rm -rf "$dir" && mv "$work" "$dir"
    step_end "Apicurio Registry $APICURIO_VERSION" ready
  fi
}

download_ferretdb_module() ( # json file: `go mod download -json` of the module, outside any Go module
  cd "$CACHE" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" >"$1"
)
build_ferretdb() ( # source dir, binary
  cd "$1" && go build -o "$2" ./cmd/ferretdb
)

# ---------- PostgreSQL behind FerretDB ----------

# PostgreSQL refuses to run as root, so as root it runs as Debian's `postgres` user, with its data
# where that user can always reach it (not below a checkout a 0700 folder may hide): one cluster per
# state directory under /var/lib/installhub/postgres. Without root it runs as the user, in the state
# directory. It listens on a Unix socket only: no port to collide with anyone's.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
pg_home() {
  if [ "$(id -u)" = 0 ]; then
    echo "/var/lib/installhub/postgres/$(printf '%s' "$STATE" | sha1sum | cut -c1-12)"
  else
    echo "$STATE/mongodb/postgres"
  fi
}
as_pg_user() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_socket_url() { echo "postgres://installhub@/ferretdb?host=$(pg_home)"; }

provision_postgres() {
  [ "$MONGO_BACKEND" = postgresql ] || return 0
  [ -n "$(pg_bin)" ] && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    die "mongodb: PostgreSQL is not installed; install Debian's postgresql package, or set INFRA_MONGO_BACKEND=sqlite"
  step_begin "PostgreSQL" "installing Debian's postgresql package (output in $(display_path "$PROVISION_LOG"))"
  run_logged "$PROVISION_LOG" apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive run_logged "$PROVISION_LOG" apt-get install -y -qq --no-install-recommends postgresql || exit 1
  step_end "PostgreSQL" installed
}

# Starts this checkout's cluster (initialised on first use) unless it runs; waits until it answers.
start_postgres() {
  local home bin
  home=$(pg_home)
  bin=$(pg_bin)
  if [ ! -f "$home/data/PG_VERSION" ]; then
    mkdir -p "$home"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$home" && chmod 0700 "$home"
    as_pg_user "$bin/initdb" -D "$home/data" -U installhub --auth=trust -E UTF8 >>"$(log_file mongodb)" 2>&1 ||
      die "mongodb: PostgreSQL initdb failed; see $(display_path "$(log_file mongodb)")"
  fi
  if ! as_pg_user "$bin/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
    # fsync off: durable against a crashed process (what the tests do to it), not against power loss.
    as_pg_user "$bin/pg_ctl" -D "$home/data" -l "$home/postgres.log" -w -t 60 \
      -o "-k $home -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=400" \
      start >>"$(log_file mongodb)" 2>&1 || die "mongodb: PostgreSQL did not start; see $home/postgres.log"
  fi
  as_pg_user "$bin/psql" -h "$home" -U installhub -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" |
    grep -q 1 || as_pg_user "$bin/createdb" -h "$home" -U installhub ferretdb >>"$(log_file mongodb)" 2>&1 ||
    die "mongodb: could not create the ferretdb database; see $(display_path "$(log_file mongodb)")"
}

stop_postgres() {
  [ "$MONGO_BACKEND" = postgresql ] || return 0
  local home bin
  home=$(pg_home)
  bin=$(pg_bin)
  [ -n "$bin" ] && [ -f "$home/data/postmaster.pid" ] || return 0
  as_pg_user "$bin/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null 2>&1 && log "mongodb: PostgreSQL stopped" || true
}

provision_mongodb() {
  provision_postgres
  local binary="$CACHE/ferretdb-$FERRETDB_VERSION"
  if [ ! -x "$binary" ]; then
    step_begin "FerretDB $FERRETDB_VERSION" "building from the Go module proxy (output in $(display_path "$PROVISION_LOG"))"
    # `go install` alone gives a binary that panics at start: the module lacks the generated
    # build/version/version.txt. So the module source is copied, the file written, then built.
    local src="$CACHE/ferretdb-src-$FERRETDB_VERSION" module_dir
    mkdir -p "$CACHE"
    run_logged "$PROVISION_LOG" download_ferretdb_module "$CACHE/ferretdb-module.json" || exit 1
    module_dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$CACHE/ferretdb-module.json")
    rm -f "$CACHE/ferretdb-module.json"
    [ -d "$module_dir" ] || die "mongodb: could not download FerretDB $FERRETDB_VERSION; see $(display_path "$PROVISION_LOG")"
    rm -rf "$src" && cp -r "$module_dir" "$src"
    chmod -R u+w "$src"
    echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
    run_logged "$PROVISION_LOG" build_ferretdb "$src" "$binary.partial" || exit 1
    mv "$binary.partial" "$binary"
    step_end "FerretDB $FERRETDB_VERSION" built
  fi
}

# ---------- start ----------

spawn() { # name, command...
  local name=$1
  shift
  mkdir -p "$STATE/$name"
  configured_ports "$name" >"$STATE/$name/ports"
  # setsid: the component gets its own process group, so `down` can stop it and all its children,
  # and readiness can tell the ports its processes hold from anybody else's.
  setsid nohup "$@" >>"$(log_file "$name")" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

start_kafka() {
  local data="$STATE/kafka/data" config="$STATE/kafka/server.properties" port controller_port
  port=$(configured_port kafka)
  controller_port=$(configured_port kafka-controller)
  mkdir -p "$data"
  cat >"$config" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  local classpath="$CACHE/kafka-$KAFKA_VERSION/libs/*" log4j="-Dlog4j.configuration=file:$STATE/kafka/log4j.properties"
  printf 'log4j.rootLogger=INFO, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\nlog4j.logger.kafka=INFO\nlog4j.logger.org.apache.kafka=INFO\n' >"$STATE/kafka/log4j.properties"
  if [ ! -f "$data/meta.properties" ]; then
    java "$log4j" -cp "$classpath" kafka.tools.StorageTool format -t "$(java "$log4j" -cp "$classpath" kafka.tools.StorageTool random-uuid)" \
      -c "$config" >>"$(log_file kafka)" 2>&1 || die "kafka: storage format failed, see $(log_file kafka)"
  fi
  spawn kafka java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    "$log4j" -cp "$classpath" kafka.Kafka "$config"
}

start_registry() {
  local dir="$CACHE/apicurio-$APICURIO_VERSION"
  mkdir -p "$STATE/registry/data"
  # H2 on disk, so schema ids written into messages stay valid across restarts.
  # legacy-id-mode: the id the Confluent API hands out (and we write into each message) is the
  # global id, and /schemas/ids/{id} resolves by that same id.
  spawn registry java -Xms128m -Xmx512m \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$(configured_port registry)" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url="jdbc:h2:file:$STATE/registry/data/registry;DB_CLOSE_ON_EXIT=FALSE" \
    -Dapicurio.ccompat.legacy-id-mode.enabled=true \
    -Dapicurio.rest.deletion.artifact.enabled=true -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -Dquarkus.log.level=WARN -Dquarkus.log.category.\"io.apicurio\".level=INFO \
    -jar "$dir/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
}

start_mongodb() {
  mkdir -p "$STATE/mongodb/data"
  local storage
  if [ "$MONGO_BACKEND" = postgresql ]; then
    start_postgres
    storage=(--handler=postgresql "--postgresql-url=$(pg_socket_url)")
  else
    storage=(--handler=sqlite "--sqlite-url=file:$STATE/mongodb/data/")
  fi
  spawn mongodb "$CACHE/ferretdb-$FERRETDB_VERSION" "${storage[@]}" \
    --state-dir="$STATE/mongodb" --listen-addr="127.0.0.1:$(configured_port mongodb)" --telemetry=disable \
    --log-level=WARN --log-format=text --debug-addr=-
}

# ---------- readiness ----------

# Each probe really talks to the component: broker metadata, registry /subjects, database ping.
probe() {
  local port
  port=$(main_port "$1")
  case $1 in
    kafka) ensure_probe_toolchain && node "$ROOT/infra/probe.ts" kafka "127.0.0.1:$port" ;;
    registry) curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$port/apis/ccompat/v7/subjects" ;;
    mongodb) ensure_probe_toolchain && node "$ROOT/infra/probe.ts" mongodb "mongodb://127.0.0.1:$port/" ;;
  esac
}

# Ready: the process we started is alive, it (or its process group) holds every port of the
# component, and the component answers there.
wait_ready() {
  local name=$1 deadline=$((SECONDS + UP_DEADLINE_SECONDS)) state
  until state=$(ports_state "$name") && [ "$state" = ok ] && probe "$name" >/dev/null 2>&1; do
    if [ "${state%% *}" = foreign ]; then
      # Taken between the check in `up` and our process's bind.
      stop_component "$name" 2>/dev/null
      die "${state#foreign }"
    fi
    if ! is_running "$name"; then
      tail -n 5 "$(log_file "$name")" 2>/dev/null | sed 's/^/  │ /' >&2
      die "$name: process exited during start-up; see $(display_path "$(log_file "$name")")"
    fi
    if [ $SECONDS -ge $deadline ]; then
      die "$name: not answering after ${UP_DEADLINE_SECONDS}s; see $(display_path "$(log_file "$name")")"
    fi
    sleep 1
  done
}

version_of() {
  local port
  port=$(main_port "$1")
  case $1 in
    kafka) echo "Apache Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$port" ;;
    registry) echo "Apicurio Registry $APICURIO_VERSION on http://127.0.0.1:$port/apis/ccompat/v7" ;;
    mongodb) echo "FerretDB $FERRETDB_VERSION ($MONGO_BACKEND) on mongodb://127.0.0.1:$port" ;;
  esac
}

# ---------- commands ----------

local_components() {
  local name
  for name in "${COMPONENTS[@]}"; do is_external "$name" || echo "$name"; done
}

cmd_provision() {
  local name
  for name in $(local_components); do "provision_$name"; done
}

cmd_up() {
  local names name failed=0
  names=$(local_components)
  if [ -z "$names" ]; then
    log "using KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL from the environment; nothing provisioned"
    return
  fi
  for name in "${COMPONENTS[@]}"; do
    if is_external "$name"; then log "$name: using $(url_variable "$name") from the environment"; fi
  done
  # Before anything is downloaded or started: every port ours already, or free.
  for name in $names; do
    if is_running "$name"; then
      if ports_set_explicitly "$name" && [ "$(ports_of "$name")" != "$(configured_ports "$name")" ]; then
        log "$name: already running (pid $(pid_of "$name")) on port(s) $(ports_of "$name"), not the configured $(configured_ports "$name"); run \`infra.sh down\` first to move it"
        failed=1
      fi
    else
      check_ports_free "$name" || failed=1
    fi
  done
  [ $failed = 0 ] || exit 1

  for name in $names; do "provision_$name"; done
  declare -A started_at=()
  for name in $names; do
    started_at[$name]=$(progress_now_ms)
    if is_running "$name"; then
      progress "$name: already running (pid $(pid_of "$name"))"
    else
      progress "$name: starting, log in $(display_path "$(log_file "$name")")"
      "start_$name"
    fi
  done
  # They start in parallel; each one's time is counted from its own start.
  for name in $names; do
    wait_ready "$name"
    PROGRESS_STEP_STARTED_AT=${started_at[$name]}
    step_end "$name" "ready — $(version_of "$name")"
  done
}

stop_component() {
  local name=$1 pid_path
  pid_path=$(pid_file "$name")
  if is_running "$name"; then
    local pid
    pid=$(pid_of "$name")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "$name: stopped"
  fi
  rm -f "$pid_path" "$STATE/$name/ports"
}

cmd_down() {
  # Stop the registry before Kafka so nothing logs connection errors on the way down.
  # Only this checkout's processes are stopped; a server on the same port that is not ours stays.
  for name in registry mongodb kafka; do stop_component "$name"; done
  stop_postgres
}

# Down, then every trace of this state directory: for infrastructure made for one run (the chaos suite).
cmd_forget() {
  cmd_down
  [ "$MONGO_BACKEND" = postgresql ] && rm -rf "$(pg_home)"
  rm -rf "$STATE"
}

cmd_status() {
  local failed=0 name state owner
  for name in "${COMPONENTS[@]}"; do
    if is_external "$name"; then
      local variable
      variable=$(url_variable "$name")
      echo "$name: not managed here — $variable=${!variable}"
    elif is_running "$name"; then
      state=$(ports_state "$name")
      if [ "$state" = ok ] && probe "$name" >/dev/null 2>&1; then
        echo "$name: up (pid $(pid_of "$name")) — $(version_of "$name")"
      elif [ "${state%% *}" = foreign ]; then
        echo "$name: running (pid $(pid_of "$name")) but ${state#foreign }"
        failed=1
      else
        echo "$name: running (pid $(pid_of "$name")) but not answering on port(s) $(ports_of "$name") — see $(display_path "$(log_file "$name")")"
        failed=1
      fi
    else
      owner=$(port_owner "$(main_port "$name")")
      if [ "${owner%% *}" = foreign ]; then
        echo "$name: down — port $(main_port "$name") is held by ${owner#foreign }, which is not this checkout's"
      else
        echo "$name: down"
      fi
      failed=1
    fi
  done
  return $failed
}

# The URLs the services and tests use, as `export NAME='value'` lines (for eval): the environment's for
# a component set there, else this checkout's (running: the ports it was started with; stopped: the
# settings).
cmd_env() {
  local name variable value
  for name in "${COMPONENTS[@]}"; do
    variable=$(url_variable "$name")
    if is_external "$name"; then value=${!variable}; else value=$(url_for_port "$name" "$(main_port "$name")"); fi
    echo "export $variable='${value//\'/\'\\\'\'}'"
  done
}

cmd_logs() {
  local names=("${@:-${COMPONENTS[@]}}")
  for name in "${names[@]}"; do
    echo "==> $(log_file "$name") <=="
    tail -n 50 "$(log_file "$name")" 2>/dev/null || echo "(no log yet)"
  done
}

# Every log file of this state directory, one path a line (PostgreSQL's too): what a run keeps.
cmd_log_files() {
  local name
  for name in "${COMPONENTS[@]}"; do echo "$(log_file "$name")"; done
  [ "$MONGO_BACKEND" != postgresql ] || echo "$(pg_home)/postgres.log"
}

cmd_versions() {
  for name in "${COMPONENTS[@]}"; do version_of "$name"; done
  java -version 2>&1 | head -n 1
}

# Every port setting valid and no two alike, before anything else.
validate_settings() {
  local key other port
  declare -A used=()
  for key in kafka kafka-controller registry mongodb; do
    configured_port "$key" >/dev/null
    port=$(configured_port "$key")
    other=${used[$port]:-}
    [ -z "$other" ] || die "$(port_setting "$other") and $(port_setting "$key") are both $port: each component needs a port of its own"
    used[$port]=$key
  done
}
validate_settings

case ${1:-} in
  provision) cmd_provision ;;
  up) cmd_up ;;
  down) cmd_down ;;
  forget) cmd_forget ;;
  status) cmd_status ;;
  env) cmd_env ;;
  logs) shift; cmd_logs "$@" ;;
  log-files) cmd_log_files ;;
  versions) cmd_versions ;;
  *) echo "usage: infra.sh provision|up|down|forget|status|env|logs [kafka|registry|mongodb]|log-files|versions" >&2; exit 2 ;;
esac
