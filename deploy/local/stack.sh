#!/usr/bin/env bash
# The local stack: Apache Kafka (KRaft), Apicurio Registry, FerretDB, Redis, versitygw (S3) and Mailpit on loopback,
# installed and started without Docker. See deploy/local/README.md.
#
#   stack.sh up       install what is missing, start what is stopped, wait until each answers
#   stack.sh down     stop what this stack started (data is kept)
#   stack.sh status   each server, its address and whether it answers
#   stack.sh logs [SERVER] [-f]
#   stack.sh reset    down, then wipe the data (the log, schemas, documents)
#   stack.sh env NAME export lines to reach the stack as principal NAME (admin, auditor, a service)
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
for server_lib in tls secrets env postgres kafka registry mongo redis objects mail; do
  # shellcheck source=/dev/null
  source "$LOCAL_DIR/lib/$server_lib.sh"
done

check_prerequisites() {
  require_command node "install Node.js 20 (it runs Lethe and the stack's readiness probes)."
  require_command ss "install iproute2 (Debian: apt-get install -y iproute2)."
  require_command setsid "install util-linux."
}

# Installs run side by side (two Maven downloads and a Go build); any failure stops `up`.
install_all() {
  local pids=() name failed=0
  for name in "${SERVERS[@]}"; do
    if ! running_pid "$name" >/dev/null; then
      "install_$name" &
      pids+=($!)
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ $failed -eq 0 ] || fail "installation failed (see above)."
}

cmd_up() {
  check_prerequisites
  (umask 077 && mkdir -p "$OPT_DIR" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR")
  # One `up` at a time: two at once (a test run beside a user's shell) would both find the
  # ports free, both start servers, and leave pid files naming the losers.
  exec 9>"$RUN_DIR/up.lock"
  flock -w "$LETHE_STACK_TIMEOUT" 9 || fail "another ./lethe up is still running (lock $RUN_DIR/up.lock)."
  # Stacks made before data was kept private: close what they left readable to others.
  chmod -R go-rwx "$LOG_DIR" "$DATA_DIR"/{kafka,redis,registry,mongo,objects,mail} 2>/dev/null || true
  ensure_tls
  ensure_secrets
  install_all
  local name to_start=()
  for name in "${SERVERS[@]}"; do
    running_pid "$name" >/dev/null || to_start+=("$name")
  done
  # Every port is checked before anything starts, so a busy port leaves nothing half-up.
  for name in "${to_start[@]}"; do require_free_ports "$name"; done
  # PostgreSQL comes first (the MongoDB-wire server needs it), then every other stopped server
  # starts before any is waited for: the JVMs boot in parallel.
  if [[ " ${to_start[*]} " == *" postgres "* ]]; then start_postgres; fi
  wait_ready postgres
  provision_postgres
  for name in "${to_start[@]}"; do [ "$name" = postgres ] || "start_$name"; done
  for name in "${SERVERS[@]}"; do wait_ready "$name"; done
  [[ " ${to_start[*]} " == *" redis "* ]] || reload_redis_acl
  [[ " ${to_start[*]} " == *" registry "* ]] || refresh_registry_users
  ensure_kafka_users
  if [ ${#to_start[@]} -eq 0 ]; then
    say "stack already up"
  else
    say "started: ${to_start[*]}"
  fi
  cmd_status
}

stop_server() {
  local name=$1 pid
  pid=$(running_pid "$name") || {
    rm -f "$RUN_DIR/$name.pid"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  # Kafka's controlled shutdown takes a few seconds; past the limit the process is killed.
  local deadline=$((SECONDS + 60))
  while running_pid "$name" >/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      say "$name did not stop within 60s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  rm -f "$RUN_DIR/$name.pid"
  say "stopped $name"
}

# A principal added since the running registry started (the portal's, say) has no login there
# until its configuration is written again and it restarts; its schemas live in PostgreSQL.
refresh_registry_users() {
  local before
  before=$(cat "$REGISTRY_CONFIG" 2>/dev/null || true)
  write_registry_config
  [ "$(cat "$REGISTRY_CONFIG")" = "$before" ] && return 0
  say "the registry's users changed: restarting it"
  stop_server registry
  start_registry
  wait_ready registry
}

cmd_down() {
  local name pids=()
  for name in "${SERVERS[@]}"; do
    stop_server "$name" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
}

cmd_status() {
  local name pid state
  printf '%-9s %-26s %-8s %s\n' SERVER ADDRESS PID STATE
  for name in "${SERVERS[@]}"; do
    pid=$(running_pid "$name") || pid=-
    if probe "$name"; then
      state=answering
      [ "$pid" = - ] && state="answering (not started by this stack)"
    elif [ "$pid" != - ]; then
      state="running, not answering yet"
    else
      state=stopped
    fi
    local address=$LETHE_HOST:$(port_of "$name")
    [ "$name" = postgres ] && address="unix socket (run/postgres)"
    printf '%-9s %-26s %-8s %s\n' "$name" "$address" "$pid" "$state"
  done
}

cmd_logs() {
  local name=${1:-} follow=
  [ "${2:-}" = -f ] || [ "${1:-}" = -f ] && follow=-f
  [ "$name" = -f ] && name=
  if [ -n "$name" ]; then
    [ -f "$LOG_DIR/$name.log" ] || fail "no log for '$name' (servers: ${SERVERS[*]})"
    tail -n 100 $follow "$LOG_DIR/$name.log"
  else
    tail -n 20 $follow "$LOG_DIR"/{postgres,kafka,registry,mongo,redis,objects,mail}.log 2>/dev/null || true
  fi
}

cmd_reset() {
  cmd_down
  rm -rf "$DATA_DIR" "$LOG_DIR" "$RUN_DIR"
  say "wiped $DATA_DIR (installed servers in $OPT_DIR are kept)"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) cmd_logs "${@:2}" ;;
  reset) cmd_reset ;;
  env) principal_env "${2:-admin}" ;;
  *)
    echo "usage: stack.sh up|down|status|logs [SERVER] [-f]|reset|env [NAME]" >&2
    exit 2
    ;;
esac
