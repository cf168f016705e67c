# versitygw (Apache-2.0): the S3-compatible object store, for the object-store participant. Built
# from the Go module proxy, posix backend with versioning. TLS only under the local CA, and no
# anonymous access: its root account is the local `admin` principal with admin's password.

OBJECTS_VERSION=v1.8.0
OBJECTS_DATA=$DATA_DIR/objects

objects_binary() {
  echo "$OPT_DIR/versitygw-$OBJECTS_VERSION"
}

install_objects() {
  go_install_once "$(objects_binary)" "github.com/versity/versitygw/cmd/versitygw@$OBJECTS_VERSION" "versitygw $OBJECTS_VERSION"
}

start_objects() {
  (umask 077 && mkdir -p "$OBJECTS_DATA/buckets" "$OBJECTS_DATA/versions")
  # The root secret goes in the environment, never on the command line (ps shows that to all).
  ROOT_ACCESS_KEY=admin ROOT_SECRET_KEY=$(password_of admin) launch objects "$(objects_binary)" \
    --port "$LETHE_HOST:$LETHE_OBJECTS_PORT" --cert "$TLS_SERVER_CERT" --key "$TLS_SERVER_KEY" --quiet \
    posix --dir-perms 0700 --file-perms 0600 --versioning-dir "$OBJECTS_DATA/versions" "$OBJECTS_DATA/buckets"
}
