# Shared settings and helpers for deploy/local/stack.sh. Sourced, never run.
# Every path and port can be set from the environment; the defaults are DESIGN.md's.

LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$LOCAL_DIR/../.." && pwd)

LETHE_HOME=${LETHE_HOME:-$REPO_DIR/.lethe}
LETHE_HOST=127.0.0.1 # loopback only: nothing of the local stack listens beyond this machine
LETHE_KAFKA_PORT=${LETHE_KAFKA_PORT:-9092}
LETHE_KAFKA_CONTROLLER_PORT=${LETHE_KAFKA_CONTROLLER_PORT:-9093}
LETHE_MONGO_PORT=${LETHE_MONGO_PORT:-27017}
LETHE_REDIS_PORT=${LETHE_REDIS_PORT:-6379}
LETHE_REGISTRY_PORT=${LETHE_REGISTRY_PORT:-8081}
LETHE_REGISTRY_MANAGEMENT_PORT=${LETHE_REGISTRY_MANAGEMENT_PORT:-9001}
LETHE_OBJECTS_PORT=${LETHE_OBJECTS_PORT:-7070}
LETHE_MAIL_SMTP_PORT=${LETHE_MAIL_SMTP_PORT:-1025}
LETHE_MAIL_API_PORT=${LETHE_MAIL_API_PORT:-8025}
LETHE_STACK_TIMEOUT=${LETHE_STACK_TIMEOUT:-180} # seconds to wait for each server to answer
# Extra options for every JVM the stack starts (Kafka, its tools, the registry), after the
# stack's own, so they win: a test's throwaway stack boots on C1 alone
# (-XX:TieredStopAtLevel=1, about half the start-up CPU); a small machine may lower -Xmx.
read -ra EXTRA_JAVA_OPTIONS <<<"${LETHE_JAVA_OPTS:-}"

KAFKA_VERSION=4.1.1
REGISTRY_VERSION=3.3.3
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

OPT_DIR=${LETHE_OPT_DIR:-$LETHE_HOME/opt} # installed servers (kept by `reset`)
DATA_DIR=$LETHE_HOME/data # the system of record (wiped only by `reset`)
LOG_DIR=$LETHE_HOME/logs
RUN_DIR=$LETHE_HOME/run   # pid files

# Kafka nodes: 1 (the default), or 3 (`./lethe up --brokers 3`, a KRaft cluster with the
# production topic layout). Chosen when the log is first made and kept with the data: a
# different count needs `./lethe reset`.
KAFKA_NODES_FILE=$DATA_DIR/kafka-nodes
if [ -f "$KAFKA_NODES_FILE" ]; then
  KAFKA_NODES=$(cat "$KAFKA_NODES_FILE")
  if [ -n "${LETHE_KAFKA_NODES:-}" ] && [ "$LETHE_KAFKA_NODES" != "$KAFKA_NODES" ]; then
    printf 'stack: the local Kafka has %s node(s); ./lethe reset first to run %s (it wipes the local data).\n' \
      "$KAFKA_NODES" "$LETHE_KAFKA_NODES" >&2
    exit 1
  fi
else
  KAFKA_NODES=${LETHE_KAFKA_NODES:-1}
fi
case $KAFKA_NODES in
  1 | 3) ;;
  *)
    printf 'stack: --brokers must be 1 or 3, not %s\n' "$KAFKA_NODES" >&2
    exit 1
    ;;
esac
# Node n > 1 is the server kafka-n, on the ports two above node n-1's.
KAFKA_EXTRA_NODES=()
for ((node = 2; node <= KAFKA_NODES; node++)); do KAFKA_EXTRA_NODES+=("kafka-$node"); done
# PostgreSQL first: the MongoDB-wire server stores in it.
SERVERS=(postgres kafka "${KAFKA_EXTRA_NODES[@]}" registry mongo redis objects mail)

# The node number of a Kafka server name (kafka: 1, kafka-3: 3), and its two ports.
kafka_node_of() { [ "$1" = kafka ] && echo 1 || echo "${1#kafka-}"; }
kafka_port_of() { echo $((LETHE_KAFKA_PORT + 2 * ($1 - 1))); }
kafka_controller_port_of() { echo $((LETHE_KAFKA_CONTROLLER_PORT + 2 * ($1 - 1))); }

say() { printf '%s\n' "$*"; }
fail() {
  printf 'stack: %s\n' "$*" >&2
  exit 1
}

port_of() {
  case $1 in
    postgres) echo "-" ;; # a Unix socket only
    kafka | kafka-*) kafka_port_of "$(kafka_node_of "$1")" ;;
    registry) echo "$LETHE_REGISTRY_PORT" ;;
    mongo) echo "$LETHE_MONGO_PORT" ;;
    redis) echo "$LETHE_REDIS_PORT" ;;
    objects) echo "$LETHE_OBJECTS_PORT" ;;
    mail) echo "$LETHE_MAIL_API_PORT" ;;
  esac
}

# Every port a server listens on, as "VARIABLE=port" pairs.
ports_of() {
  case $1 in
    kafka | kafka-*)
      local node
      node=$(kafka_node_of "$1")
      echo "LETHE_KAFKA_PORT=$(kafka_port_of "$node") LETHE_KAFKA_CONTROLLER_PORT=$(kafka_controller_port_of "$node")"
      ;;
    registry) echo "LETHE_REGISTRY_PORT=$LETHE_REGISTRY_PORT LETHE_REGISTRY_MANAGEMENT_PORT=$LETHE_REGISTRY_MANAGEMENT_PORT" ;;
    mongo) echo "LETHE_MONGO_PORT=$LETHE_MONGO_PORT" ;;
    redis) echo "LETHE_REDIS_PORT=$LETHE_REDIS_PORT" ;;
    objects) echo "LETHE_OBJECTS_PORT=$LETHE_OBJECTS_PORT" ;;
    mail) echo "LETHE_MAIL_SMTP_PORT=$LETHE_MAIL_SMTP_PORT LETHE_MAIL_API_PORT=$LETHE_MAIL_API_PORT" ;;
  esac
}

# The start time of a process, in clock ticks since boot: with the pid, it names one process.
start_ticks() {
  awk '{print $22}' "/proc/$1/stat" 2>/dev/null
}

# The pid of a server this stack started, if it is still alive. The pid file holds the pid and
# its start time, so a recycled pid of some other process is never taken for ours.
running_pid() {
  local pidfile=$RUN_DIR/$1.pid pid ticks
  [ -f "$pidfile" ] || return 1
  read -r pid ticks <"$pidfile"
  [ -n "$pid" ] && [ -n "$ticks" ] || return 1
  [ "$(start_ticks "$pid")" = "$ticks" ] || return 1
  echo "$pid"
}

port_listening() {
  ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
}

port_holder() {
  ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'users:(.*)' | head -n 1
}

# Refuses to start over a port someone else holds, naming the way out.
require_free_ports() {
  local name=$1 pair env port
  for pair in $(ports_of "$name"); do
    env=${pair%%=*}
    port=${pair#*=}
    if port_listening "$port"; then
      fail "$name cannot start: port $port is already in use ($(port_holder "$port")). Stop that process, or choose another port with $env=<port>."
    fi
  done
}

# The servers that answer only over TLS (under the local CA, lib/tls.sh).
uses_tls() {
  case $1 in
    mongo | kafka | kafka-* | redis | registry | objects | mail) return 0 ;;
    *) return 1 ;;
  esac
}

probe() {
  [ "$1" = postgres ] && { pg_ready; return; }
  local ca=
  uses_tls "$1" && ca=$TLS_CA_CERT
  LETHE_PROBE_CA=$ca node "$LOCAL_DIR/probe.mjs" "${1%%-*}" "$LETHE_HOST" "$(port_of "$1")" 2>/dev/null
}

# Waits until the server answers its own protocol; gives up early if the process dies.
wait_ready() {
  local name=$1 deadline=$((SECONDS + LETHE_STACK_TIMEOUT))
  until probe "$name"; do
    if ! running_pid "$name" >/dev/null; then
      tail -n 30 "$LOG_DIR/$name.log" >&2 2>/dev/null
      fail "$name exited during start-up; its log is $LOG_DIR/$name.log (last lines above)."
    fi
    if [ $SECONDS -ge $deadline ]; then
      fail "$name did not answer on $LETHE_HOST:$(port_of "$name") within ${LETHE_STACK_TIMEOUT}s; see $LOG_DIR/$name.log."
    fi
    sleep 0.25
  done
}

# Starts a server in its own session (so it outlives the shell that started it) with its output
# in logs/NAME.log; the previous run's log is kept as NAME.log.1.
launch() {
  local name=$1
  shift
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  [ -f "$LOG_DIR/$name.log" ] && mv -f "$LOG_DIR/$name.log" "$LOG_DIR/$name.log.1"
  # fd 9 is `up`'s lock (stack.sh): a server must not hold it for its whole life. Under umask
  # 077 what a server writes (its data, its log) is readable by this user alone.
  (umask 077 && exec setsid nohup "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&-) &
  local pid=$!
  echo "$pid $(start_ticks "$pid")" >"$RUN_DIR/$name.pid"
}

java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

# A java binary of at least the given major version: $2 (a JAVA_HOME) first, then JAVA_HOME, the
# java on PATH, and every JDK under /usr/lib/jvm.
find_java() {
  local min=$1 preferred=${2:-} candidate
  for candidate in ${preferred:+"$preferred/bin/java"} ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    [ -x "$candidate" ] || continue
    if [ "$(java_major "$candidate")" -ge "$min" ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

require_command() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 is missing: $2"
}

# Builds a Go program from the module proxy into OPT_DIR once: BINARY is where it is kept,
# MODULE@VERSION what `go install` builds, WHAT its name in messages.
go_install_once() {
  local binary=$1 module=$2 what=$3 build
  [ -x "$binary" ] && return 0
  require_command go "install Go 1.24 or newer; it builds $what from the Go module proxy."
  say "building $what (a few minutes the first time; Go modules cached in $(go env GOMODCACHE))"
  mkdir -p "$OPT_DIR"
  build=$(mktemp -d "$OPT_DIR/build.XXXXXX")
  GOBIN=$build CGO_ENABLED=0 go install "$module" || { rm -rf "$build"; fail "building $what failed (see the output above)."; }
  mv "$build"/* "$binary"
  rm -rf "$build"
}
