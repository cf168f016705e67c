# FerretDB 1.24 on SQLite: the MongoDB-wire server, built from deploy/local/ferretdb (Go).

MONGO_SRC=$LOCAL_DIR/ferretdb
MONGO_DATA=$DATA_DIR/mongo

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
  mkdir -p "$MONGO_DATA"
  launch mongo "$(mongo_binary)" -listen "$LETHE_HOST:$LETHE_MONGO_PORT" -data "$MONGO_DATA"
}
