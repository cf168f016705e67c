# FerretDB 1.24 on PostgreSQL: the MongoDB-wire server, built from deploy/local/ferretdb (Go).
# TLS only, and every client authenticates (PLAIN, with its PostgreSQL role's password).

MONGO_SRC=$LOCAL_DIR/ferretdb
# Before PostgreSQL, FerretDB kept its documents in SQLite files here.
MONGO_SQLITE_DATA=$DATA_DIR/mongo

mongo_binary() {
  # The binary is named after its sources, so a change to them builds a new one.
  local digest
  digest=$(cat "$MONGO_SRC/main.go" "$MONGO_SRC/go.mod" "$MONGO_SRC/go.sum" | sha256sum | cut -c1-12)
  echo "$OPT_DIR/ferretdb-local-$digest"
}

install_mongo() {
  local binary
  binary=$(mongo_binary)
  [ -x "$binary" ] && return 0
  require_command go "install Go 1.24 or newer; it builds FerretDB from the Go module proxy."
  say "building FerretDB (Go modules cached in $(go env GOMODCACHE))"
  mkdir -p "$OPT_DIR"
  (cd "$MONGO_SRC" && CGO_ENABLED=0 go build -mod=readonly -o "$binary.partial" .) ||
    fail "building FerretDB failed (see the output above)."
  mv "$binary.partial" "$binary"
}

start_mongo() {
  if [ -d "$MONGO_SQLITE_DATA" ]; then
    say "note: documents written before the move to PostgreSQL stay in $MONGO_SQLITE_DATA and are not served;"
    say "      the Kafka log still refers to them: './lethe reset' starts a consistent system."
  fi
  # FerretDB opens PostgreSQL only with its clients' credentials: the PostgreSQL URL has none.
  launch mongo "$(mongo_binary)" -listen-tls "$LETHE_HOST:$LETHE_MONGO_PORT" \
    -tls-cert "$TLS_SERVER_CERT" -tls-key "$TLS_SERVER_KEY" \
    -postgresql-url "postgres:///$PG_DATABASE?host=$PG_SOCKET_DIR"
}
