# The local principals and their passwords: one per Lethe service, `admin` (the CLI, the tests,
# the benches) and `auditor` (reads everything, writes nothing). Made once at the first `up`, in
# .lethe/secrets/principals (0600): "name password" lines. The same password opens the
# principal's Kafka (SCRAM), Redis (ACL user) and MongoDB-wire (PostgreSQL role) accounts.
# `./lethe env --as NAME` prints them as the exports a user's own tooling needs.

SECRETS_DIR=$LETHE_HOME/secrets
PRINCIPALS_FILE=$SECRETS_DIR/principals
PRINCIPALS=(admin auditor account consent retention erasure audit portal)
# Server-side identities, never handed to a client: Kafka's inter-broker user.
SERVER_PRINCIPALS=(broker)

ensure_secrets() {
  (
    umask 077
    mkdir -p "$SECRETS_DIR"
    chmod 700 "$SECRETS_DIR"
    touch "$PRINCIPALS_FILE"
    local name
    for name in "${PRINCIPALS[@]}" "${SERVER_PRINCIPALS[@]}"; do
      grep -q "^$name " "$PRINCIPALS_FILE" && continue
      # URL-safe, so it fits a connection string as it is.
      printf '%s %s\n' "$name" "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" >>"$PRINCIPALS_FILE"
    done
  )
}

# The portal keeps no data of its own: it has no MongoDB (PostgreSQL) account. It reads the
# retention log (Kafka, the registry) for the notices it mails, Redis, and the mail server.
reaches_data_servers() {
  [ "$1" != portal ]
}

password_of() {
  awk -v name="$1" '$1 == name { print $2 }' "$PRINCIPALS_FILE"
}
