# What a client needs to reach the local stack as one principal: `./lethe env --as NAME` prints
# it as export lines, services.sh starts each service with its own, and the tests and the CLI
# run as `admin`. The one place that spells out the local stack's addresses and credentials.

# Values are single-quoted: none of them (URLs, paths, base64url passwords) holds a quote.
# Every node's client address, comma-separated.
kafka_brokers() {
  local node brokers=()
  for ((node = 1; node <= KAFKA_NODES; node++)); do brokers+=("$LETHE_HOST:$(kafka_port_of "$node")"); done
  (IFS=, && echo "${brokers[*]}")
}

principal_env() {
  local name=$1 password
  password=$(password_of "$name")
  [ -n "$password" ] || fail "no local principal '$name' (principals: ${PRINCIPALS[*]})"
  local mongo_options="tls=true&tlsCAFile=$TLS_CA_CERT&authMechanism=PLAIN&maxPoolSize=10"
  printf "export %s='%s'\n" \
    LETHE_PRINCIPAL "$name" \
    LETHE_TLS_CA_FILE "$TLS_CA_CERT" \
    LETHE_KAFKA_BROKERS "$(kafka_brokers)" \
    LETHE_KAFKA_SASL_MECHANISM scram-sha-512 \
    LETHE_KAFKA_SASL_USERNAME "$name" \
    LETHE_KAFKA_SASL_PASSWORD "$password" \
    LETHE_REDIS_URL "rediss://$name:$password@$LETHE_HOST:$LETHE_REDIS_PORT" \
    LETHE_REGISTRY_URL "https://$name:$password@$LETHE_HOST:$LETHE_REGISTRY_PORT/apis/ccompat/v7" \
    LETHE_MONGO_URL "mongodb://$name:$password@$LETHE_HOST:$LETHE_MONGO_PORT/?$mongo_options"
  # The object store has one account, its root (lib/objects.sh): only admin and the erasure
  # service (whose object-store participant deletes) are given it. `lethe-objects` is the local
  # bucket a product service would keep uploads in, under subjects/<subjectId>/.
  case $name in
    admin | erasure)
      printf "export %s='%s'\n" \
        LETHE_S3_ENDPOINT "https://$LETHE_HOST:$LETHE_OBJECTS_PORT" \
        LETHE_S3_ACCESS_KEY_ID admin \
        LETHE_S3_SECRET_ACCESS_KEY "$(password_of admin)" \
        LETHE_OBJECT_BUCKETS lethe-objects
      ;;
  esac
  # The mail server (lib/mail.sh): the portal sends through SMTP, admin (the tests) reads the API.
  case $name in
    portal)
      printf "export %s='%s'\n" \
        LETHE_SMTP_HOST "$LETHE_HOST" \
        LETHE_SMTP_PORT "$LETHE_MAIL_SMTP_PORT" \
        LETHE_SMTP_USERNAME portal \
        LETHE_SMTP_PASSWORD "$password"
      ;;
    admin)
      printf "export %s='%s'\n" LETHE_MAIL_API_URL "https://admin:$password@$LETHE_HOST:$LETHE_MAIL_API_PORT"
      ;;
  esac
  # Three nodes take the production topic layout: 3 replicas, min.insync.replicas=2.
  [ "$KAFKA_NODES" -ge 3 ] && printf "export %s='%s'\n" LETHE_TOPIC_LAYOUT production
  # The services' APIs, HTTPS under the same CA.
  printf "export %s='%s'\n" \
    LETHE_ACCOUNT_URL "https://$LETHE_HOST:${LETHE_ACCOUNT_PORT:-3001}" \
    LETHE_CONSENT_URL "https://$LETHE_HOST:${LETHE_CONSENT_PORT:-3002}" \
    LETHE_RETENTION_URL "https://$LETHE_HOST:${LETHE_RETENTION_PORT:-3003}" \
    LETHE_ERASURE_URL "https://$LETHE_HOST:${LETHE_ERASURE_PORT:-3004}" \
    LETHE_AUDIT_URL "https://$LETHE_HOST:${LETHE_AUDIT_PORT:-3005}" \
    LETHE_PORTAL_URL "https://$LETHE_HOST:${LETHE_PORTAL_PORT:-3000}"
  # Made by `lethe task-key init` (./lethe up): what participants verify tasks with.
  local task_keys=$LETHE_HOME/auth/task-public-keys
  [ -f "$task_keys" ] && printf "export %s='%s'\n" LETHE_TASK_PUBLIC_KEYS "$(tr -d '\n' <"$task_keys")"
  return 0
}
