# Redis from Debian. Memory only: every Redis read model in Lethe is rebuilt from the log.
# TLS only (the plain port is closed) under the local CA, and no anonymous user: each principal
# is an ACL user limited to its own key patterns.

REDIS_DATA=$DATA_DIR/redis

install_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || fail "redis-server is missing and apt-get is not available: install Redis 7 and put redis-server on PATH."
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing redis-server (Debian package)"
  $sudo apt-get install -y -qq redis-server >/dev/null 2>&1 ||
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq redis-server >/dev/null; } ||
    fail "apt-get could not install redis-server."
}

# The key patterns of each principal: a service reaches its own read models and the shared
# clock (demos and e2e tests move it), the auditor reads, admin (CLI, tests) does anything.
redis_acl_rule() {
  local common='+@all -@admin ~lethe:clock:*'
  case $1 in
    admin) echo '~* &* +@all' ;;
    auditor) echo '~lethe:* +@read +@connection -@admin +info' ;;
    account) echo "$common ~lethe:account:*" ;;
    consent) echo "$common ~lethe:consent:*" ;;
    retention) echo "$common ~lethe:retention:*" ;;
    # Sign-in codes and sessions only; not the shared clock (a user-facing app moves no time).
    portal) echo '+@all -@admin ~lethe:portal:*' ;;
    *) echo "$common" ;;
  esac
}

write_redis_acl() {
  local name
  (
    umask 077
    {
      echo 'user default off'
      for name in "${PRINCIPALS[@]}"; do
        echo "user $name on >$(password_of "$name") resetchannels $(redis_acl_rule "$name")"
      done
    } >"$REDIS_DATA/users.acl"
  )
}

start_redis() {
  (umask 077 && mkdir -p "$REDIS_DATA")
  write_redis_acl
  launch redis redis-server --bind "$LETHE_HOST" --port 0 --tls-port "$LETHE_REDIS_PORT" \
    --tls-cert-file "$TLS_SERVER_CERT" --tls-key-file "$TLS_SERVER_KEY" --tls-ca-cert-file "$TLS_CA_CERT" \
    --tls-auth-clients no --aclfile "$REDIS_DATA/users.acl" \
    --dir "$REDIS_DATA" --save "" --appendonly no --daemonize no
}

# A principal added since Redis started (a newer Lethe on an older stack) gets its user now.
reload_redis_acl() {
  write_redis_acl
  REDISCLI_AUTH=$(password_of admin) redis-cli --tls --cacert "$TLS_CA_CERT" -h "$LETHE_HOST" -p "$LETHE_REDIS_PORT" \
    --user admin --no-auth-warning ACL LOAD >/dev/null || fail "Redis did not reload its users (ACL LOAD)."
}
