# PostgreSQL 15 from Debian: the storage behind the MongoDB-wire server (FerretDB's postgresql
# handler). It listens on a Unix socket in the stack's run folder only, never on TCP: FerretDB
# is its only client, and clients reach the documents through FerretDB's TLS listener, with
# their own PostgreSQL role's credentials.

PG_DATA=$DATA_DIR/postgres
PG_SOCKET_DIR=$RUN_DIR/postgres
PG_DATABASE=ferretdb
PG_SUPERUSER=lethe_superuser
PG_SUPERUSER_PASSWORD_FILE=$SECRETS_DIR/postgres-superuser

pg_bindir() {
  local dir
  for dir in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
    [ -x "$dir/postgres" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

install_postgres() {
  pg_bindir >/dev/null && return 0
  command -v apt-get >/dev/null 2>&1 || fail "PostgreSQL is missing and apt-get is not available: install PostgreSQL 15 (initdb and postgres)."
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing PostgreSQL (Debian package)"
  $sudo apt-get install -y -qq postgresql >/dev/null 2>&1 ||
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq postgresql >/dev/null; } ||
    fail "apt-get could not install postgresql."
}

# PostgreSQL refuses to run as root: as root, the stack runs it as the `postgres` user that
# Debian's package creates, and hands that user the data and socket folders.
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$@"
  else
    "$@"
  fi
}
pg_owner_prefix() {
  [ "$(id -u)" -eq 0 ] && printf '%s\n' setpriv --reuid=postgres --regid=postgres --init-groups --reset-env --
  return 0
}

prepare_pg_dirs() {
  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  chmod 700 "$PG_DATA" "$PG_SOCKET_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PG_DATA" "$PG_SOCKET_DIR"
    # The postgres user must pass through the stack's folders to reach its own (traverse only).
    chmod o+x "$LETHE_HOME" "$DATA_DIR" "$RUN_DIR"
  fi
}

init_pg_cluster() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  [ -s "$PG_SUPERUSER_PASSWORD_FILE" ] ||
    (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' >"$PG_SUPERUSER_PASSWORD_FILE")
  local pwfile
  pwfile=$(mktemp)
  cp "$PG_SUPERUSER_PASSWORD_FILE" "$pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres "$pwfile"
  # Every connection, even the superuser's on the socket, authenticates with SCRAM.
  as_pg_owner "$(pg_bindir)/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
    --auth-local=scram-sha-256 --auth-host=reject --encoding=UTF8 --locale=C >"$LOG_DIR/postgres-init.log" 2>&1 ||
    { rm -f "$pwfile"; fail "initdb failed; see $LOG_DIR/postgres-init.log."; }
  rm -f "$pwfile"
}

start_postgres() {
  prepare_pg_dirs
  init_pg_cluster
  local prefix
  mapfile -t prefix < <(pg_owner_prefix)
  launch postgres "${prefix[@]}" "$(pg_bindir)/postgres" -D "$PG_DATA" \
    -c listen_addresses= -c unix_socket_directories="$PG_SOCKET_DIR" -c unix_socket_permissions=0700 \
    -c max_connections=200 -c shared_buffers=128MB
}

pg_ready() {
  "$(pg_bindir)/pg_isready" -q -h "$PG_SOCKET_DIR" -d postgres 2>/dev/null
}

# Runs SQL from stdin as the superuser (the password goes by environment, never by argv).
pg_superuser_sql() {
  PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$(cat "$PG_SUPERUSER_PASSWORD_FILE") "$(pg_bindir)/psql" -q -v ON_ERROR_STOP=1 \
    -h "$PG_SOCKET_DIR" -U "$PG_SUPERUSER" -d "${1:-postgres}" >/dev/null
}

# The database, the owning roles, one login role per principal and the GIN indexing trigger.
# Idempotent: it runs at every `up`, so a principal added later gets its role.
provision_postgres() {
  printf "SELECT 'CREATE DATABASE $PG_DATABASE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DATABASE')\\\\gexec\n" |
    pg_superuser_sql postgres || fail "could not create the $PG_DATABASE database."
  {
    cat "$LOCAL_DIR/postgres/roles.sql" "$LOCAL_DIR/postgres/ferretdb-gin-indexes.sql"
    local name role
    for name in "${PRINCIPALS[@]}"; do
      reaches_data_servers "$name" || continue
      role=lethe_data
      [ "$name" = auditor ] && role=lethe_reader
      cat <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$name') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$name')\\gexec
ALTER ROLE "$name" LOGIN PASSWORD '$(password_of "$name")';
GRANT $role TO "$name";
ALTER ROLE "$name" SET role = '$role';
SQL
    done
  } | pg_superuser_sql "$PG_DATABASE" || fail "could not provision PostgreSQL's roles."
}
