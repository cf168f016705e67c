#!/usr/bin/env bash
# Lethe's own services on the local stack, as background processes beside the servers.
#
#   services.sh up       start what is stopped, wait until each answers /readyz
#   services.sh down     stop them (SIGTERM: each finishes and commits what it holds)
#   services.sh status
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
for lib in tls secrets env; do
  # shellcheck source=/dev/null
  source "$LOCAL_DIR/lib/$lib.sh"
done

# The local OpenID provider comes first: the services read its keys as they start.
SERVICES=(oidc account consent retention erasure audit portal)
LETHE_OIDC_PORT=${LETHE_OIDC_PORT:-3010}
LETHE_ACCOUNT_PORT=${LETHE_ACCOUNT_PORT:-3001}
LETHE_CONSENT_PORT=${LETHE_CONSENT_PORT:-3002}
LETHE_RETENTION_PORT=${LETHE_RETENTION_PORT:-3003}
LETHE_ERASURE_PORT=${LETHE_ERASURE_PORT:-3004}
LETHE_AUDIT_PORT=${LETHE_AUDIT_PORT:-3005}
LETHE_PORTAL_PORT=${LETHE_PORTAL_PORT:-3000}
export LETHE_HOME LETHE_OIDC_PORT LETHE_ACCOUNT_PORT LETHE_CONSENT_PORT LETHE_RETENTION_PORT LETHE_ERASURE_PORT LETHE_AUDIT_PORT LETHE_PORTAL_PORT

service_port() {
  case $1 in
    oidc) echo "$LETHE_OIDC_PORT" ;;
    account) echo "$LETHE_ACCOUNT_PORT" ;;
    consent) echo "$LETHE_CONSENT_PORT" ;;
    retention) echo "$LETHE_RETENTION_PORT" ;;
    erasure) echo "$LETHE_ERASURE_PORT" ;;
    audit) echo "$LETHE_AUDIT_PORT" ;;
    portal) echo "$LETHE_PORTAL_PORT" ;;
  esac
}

service_ready() {
  LETHE_PROBE_CA=$TLS_CA_CERT node "$LOCAL_DIR/probe.mjs" service "$LETHE_HOST" "$(service_port "$1")" 2>/dev/null
}

# The provider's client secret and users (an operator and an auditor, random passwords), made
# once; the services find the issuer in auth/oidc-issuer.
ensure_oidc_secrets() {
  local dir=$LETHE_HOME/secrets
  (
    umask 077
    mkdir -p "$dir" "$LETHE_HOME/auth"
    [ -s "$dir/oidc-client-secret" ] || openssl rand -hex 32 >"$dir/oidc-client-secret"
    [ -s "$dir/oidc-users" ] || printf '%s %s %s %s\n' \
      operator "$(openssl rand -hex 12)" lethe-operator operator@lethe.local \
      auditor "$(openssl rand -hex 12)" lethe-auditor auditor@lethe.local >"$dir/oidc-users"
  )
  echo "https://$LETHE_HOST:$LETHE_OIDC_PORT" >"$LETHE_HOME/auth/oidc-issuer"
}

launch_service() {
  local name=$1
  if [ "$name" = oidc ]; then
    (cd "$REPO_DIR" && LETHE_HOST=$LETHE_HOST LETHE_PORTAL_URL="https://$LETHE_HOST:$LETHE_PORTAL_PORT" \
      LETHE_TLS_CERT_FILE=$TLS_SERVER_CERT LETHE_TLS_KEY_FILE=$TLS_SERVER_KEY \
      launch oidc node "$LOCAL_DIR/oidc/provider.mjs")
    return
  fi
  # From the sources by default; LETHE_RUN_FROM=dist runs the compiled output as the image does
  # (after `pnpm build`): no transpiler in the process, so memory is measured as deployed.
  local entry=(--conditions=lethe-source --import tsx "services/$name/src/main.ts")
  if [ "${LETHE_RUN_FROM:-source}" = dist ]; then
    [ -f "$REPO_DIR/services/$name/dist/main.js" ] || fail "LETHE_RUN_FROM=dist: run pnpm build first (services/$name/dist/main.js is missing)."
    entry=("services/$name/dist/main.js")
  fi
  # Each service reaches the servers as its own principal.
  # Each serves HTTPS with the local server certificate (lib/tls.sh).
  (cd "$REPO_DIR" && eval "$(principal_env "$name")" &&
    LETHE_TLS_CERT_FILE=$TLS_SERVER_CERT LETHE_TLS_KEY_FILE=$TLS_SERVER_KEY \
      launch "$name" node "${entry[@]}")
}

wait_until_ready() {
  local name=$1 deadline=$((SECONDS + LETHE_STACK_TIMEOUT))
  until service_ready "$name"; do
    if ! running_pid "$name" >/dev/null; then
      tail -n 20 "$LOG_DIR/$name.log" >&2
      fail "$name exited during start-up; its log is $LOG_DIR/$name.log (last lines above)."
    fi
    [ $SECONDS -lt $deadline ] || fail "$name did not answer within ${LETHE_STACK_TIMEOUT}s; see $LOG_DIR/$name.log."
    sleep 0.25
  done
}

cmd_up() {
  local name started=()
  ensure_oidc_secrets
  for name in "${SERVICES[@]}"; do
    running_pid "$name" >/dev/null && continue
    if port_listening "$(service_port "$name")"; then
      fail "$name cannot start: port $(service_port "$name") is already in use ($(port_holder "$(service_port "$name")")). Set LETHE_${name^^}_PORT=<port>."
    fi
    launch_service "$name"
    started+=("$name")
    # The services read the provider's keys as they start: it answers first.
    [ "$name" = oidc ] && wait_until_ready oidc
  done
  for name in "${SERVICES[@]}"; do
    wait_until_ready "$name"
  done
  [ ${#started[@]} -eq 0 ] && say "services already up" || say "started: ${started[*]}"
}

cmd_down() {
  local name pid
  for name in "${SERVICES[@]}"; do
    pid=$(running_pid "$name") || { rm -f "$RUN_DIR/$name.pid"; continue; }
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 40))
    while running_pid "$name" >/dev/null; do
      [ $SECONDS -lt $deadline ] || kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    done
    rm -f "$RUN_DIR/$name.pid"
    say "stopped $name"
  done
}

cmd_status() {
  local name pid state
  for name in "${SERVICES[@]}"; do
    pid=$(running_pid "$name") || pid=-
    if service_ready "$name"; then state=ready; elif [ "$pid" != - ]; then state="running, not ready"; else state=stopped; fi
    printf '%-9s %-26s %-8s %s\n' "$name" "$LETHE_HOST:$(service_port "$name")" "$pid" "$state"
  done
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: services.sh up|down|status" >&2
    exit 2
    ;;
esac
