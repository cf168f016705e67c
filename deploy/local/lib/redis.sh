# Redis from Debian. Memory only: every Redis read model in Lethe is rebuilt from the log.

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

start_redis() {
  mkdir -p "$DATA_DIR/redis"
  launch redis redis-server --bind "$LETHE_HOST" --port "$LETHE_REDIS_PORT" --dir "$DATA_DIR/redis" \
    --save "" --appendonly no --daemonize no
}
