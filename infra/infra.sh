#!/usr/bin/env bash
# Local infrastructure without Docker: Apache Kafka (KRaft, one node), Apicurio Registry
# (Confluent-compatible API) and FerretDB (MongoDB wire protocol on SQLite), all on loopback.
#
#   infra.sh provision|up|down|status|logs [component]|versions
#
# Downloads are cached in $INSTALLHUB_CACHE (default ~/.cache/installhub); data, logs and pid files
# live in .infra/ of the repository (git-ignored). When KAFKA_BROKERS, SCHEMA_REGISTRY_URL and
# MONGO_URL are all set, those are used and nothing is provisioned.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${INSTALLHUB_CACHE:-$HOME/.cache/installhub}
STATE=${INSTALLHUB_INFRA_DIR:-$ROOT/.infra}
UP_DEADLINE_SECONDS=${INFRA_UP_DEADLINE_SECONDS:-180}

KAFKA_VERSION=3.9.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
APICURIO_VERSION=3.0.9
REGISTRY_PORT=8081
FERRETDB_VERSION=v1.24.2
MONGO_PORT=27017

COMPONENTS=(kafka registry mongodb)

log() { printf 'infra: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

external_urls_set() {
  [ -n "${KAFKA_BROKERS:-}" ] && [ -n "${SCHEMA_REGISTRY_URL:-}" ] && [ -n "${MONGO_URL:-}" ]
}

pid_file() { echo "$STATE/$1/pid"; }
log_file() { echo "$STATE/$1/$1.log"; }

is_running() {
  local pid_path
  pid_path=$(pid_file "$1")
  [ -f "$pid_path" ] && kill -0 "$(cat "$pid_path")" 2>/dev/null
}

# ---------- provisioning (cached downloads) ----------

provision_kafka() {
  local libs="$CACHE/kafka-$KAFKA_VERSION/libs"
  if [ ! -f "$libs/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    log "kafka: fetching broker jars $KAFKA_VERSION from Maven Central"
    mvn -q -B -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$libs.partial" >&2
    mv "$libs.partial" "$libs"
  fi
}

provision_registry() {
  local dir="$CACHE/apicurio-$APICURIO_VERSION"
  if [ ! -f "$dir/apicurio-registry-app-$APICURIO_VERSION-runner.jar" ]; then
    log "registry: fetching Apicurio Registry $APICURIO_VERSION from Maven Central"
    local work="$dir.partial"
    rm -rf "$work" && mkdir -p "$work"
    mvn -q -B dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:zip:all" \
      -DoutputDirectory="$work" >&2
    (cd "$work" && unzip -q ./*.zip && rm -f ./*.zip)
    rm -rf "$dir" && mv "$work" "$dir"
  fi
}

provision_mongodb() {
  local binary="$CACHE/ferretdb-$FERRETDB_VERSION"
  if [ ! -x "$binary" ]; then
    log "mongodb: building FerretDB $FERRETDB_VERSION from the Go module proxy"
    # `go install` alone gives a binary that panics at start: the module lacks the generated
    # build/version/version.txt. So the module source is copied, the file written, then built.
    local src="$CACHE/ferretdb-src-$FERRETDB_VERSION" module_dir
    module_dir=$(cd "$CACHE" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$module_dir" ] || die "mongodb: could not download FerretDB $FERRETDB_VERSION"
    rm -rf "$src" && cp -r "$module_dir" "$src"
    chmod -R u+w "$src"
    echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
    (cd "$src" && go build -o "$binary.partial" ./cmd/ferretdb) >&2
    mv "$binary.partial" "$binary"
  fi
}

# ---------- start ----------

spawn() { # name, command...
  local name=$1
  shift
  mkdir -p "$STATE/$name"
  # setsid: the component gets its own process group, so `down` can stop it and all its children.
  setsid nohup "$@" >>"$(log_file "$name")" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

start_kafka() {
  local data="$STATE/kafka/data" config="$STATE/kafka/server.properties"
  mkdir -p "$data"
  cat >"$config" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
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
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url="jdbc:h2:file:$STATE/registry/data/registry;DB_CLOSE_ON_EXIT=FALSE" \
    -Dapicurio.ccompat.legacy-id-mode.enabled=true \
    -Dapicurio.rest.deletion.artifact.enabled=true -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -Dquarkus.log.level=WARN -Dquarkus.log.category.\"io.apicurio\".level=INFO \
    -jar "$dir/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
}

start_mongodb() {
  mkdir -p "$STATE/mongodb/data"
  spawn mongodb "$CACHE/ferretdb-$FERRETDB_VERSION" --handler=sqlite --sqlite-url="file:$STATE/mongodb/data/" \
    --state-dir="$STATE/mongodb" --listen-addr="127.0.0.1:$MONGO_PORT" --telemetry=disable \
    --log-level=WARN --log-format=text --debug-addr=-
}

# ---------- readiness ----------

# Each probe really talks to the component: broker metadata, registry /subjects, database ping.
probe() {
  case $1 in
    kafka) node "$ROOT/infra/probe.ts" kafka "127.0.0.1:$KAFKA_PORT" ;;
    registry) curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" ;;
    mongodb) node "$ROOT/infra/probe.ts" mongodb "mongodb://127.0.0.1:$MONGO_PORT/" ;;
  esac
}

wait_ready() {
  local name=$1 deadline=$((SECONDS + UP_DEADLINE_SECONDS))
  until probe "$name" >/dev/null 2>&1; do
    if ! is_running "$name"; then
      die "$name: process exited during start-up; see $(log_file "$name")"
    fi
    if [ $SECONDS -ge $deadline ]; then
      die "$name: not answering after ${UP_DEADLINE_SECONDS}s; see $(log_file "$name")"
    fi
    sleep 1
  done
}

version_of() {
  case $1 in
    kafka) echo "Apache Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT" ;;
    registry) echo "Apicurio Registry $APICURIO_VERSION on http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7" ;;
    mongodb) echo "FerretDB $FERRETDB_VERSION (SQLite) on mongodb://127.0.0.1:$MONGO_PORT" ;;
  esac
}

# ---------- commands ----------

cmd_provision() {
  provision_kafka
  provision_registry
  provision_mongodb
}

cmd_up() {
  if external_urls_set; then
    log "using KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL from the environment; nothing provisioned"
    return
  fi
  cmd_provision
  for name in "${COMPONENTS[@]}"; do
    if is_running "$name"; then
      log "$name: already running (pid $(cat "$(pid_file "$name")"))"
    else
      log "$name: starting, log in $(log_file "$name")"
      "start_$name"
    fi
  done
  for name in "${COMPONENTS[@]}"; do
    wait_ready "$name"
    log "$name: ready — $(version_of "$name")"
  done
}

stop_component() {
  local name=$1 pid_path
  pid_path=$(pid_file "$name")
  if is_running "$name"; then
    local pid
    pid=$(cat "$pid_path")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "$name: stopped"
  fi
  rm -f "$pid_path"
}

cmd_down() {
  # Stop the registry before Kafka so nothing logs connection errors on the way down.
  for name in registry mongodb kafka; do stop_component "$name"; done
}

cmd_status() {
  local failed=0
  for name in "${COMPONENTS[@]}"; do
    if is_running "$name" && probe "$name" >/dev/null 2>&1; then
      echo "$name: up — $(version_of "$name")"
    elif is_running "$name"; then
      echo "$name: running but not answering — see $(log_file "$name")"
      failed=1
    else
      echo "$name: down"
      failed=1
    fi
  done
  return $failed
}

cmd_logs() {
  local names=("${@:-${COMPONENTS[@]}}")
  for name in "${names[@]}"; do
    echo "==> $(log_file "$name") <=="
    tail -n 50 "$(log_file "$name")" 2>/dev/null || echo "(no log yet)"
  done
}

cmd_versions() {
  for name in "${COMPONENTS[@]}"; do version_of "$name"; done
  java -version 2>&1 | head -n 1
}

case ${1:-} in
  provision) cmd_provision ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  versions) cmd_versions ;;
  *) echo "usage: infra.sh provision|up|down|status|logs [kafka|registry|mongodb]|versions" >&2; exit 2 ;;
esac
