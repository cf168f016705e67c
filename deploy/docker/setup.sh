#!/usr/bin/env bash
# docker-compose's one-shot `setup` (the Dockerfile's `setup` stage): makes, once, everything the
# servers and services need to talk TLS and authenticate, in the `lethe-secrets` volume.
#
#   setup.sh OUT     (in compose: /out; a test runs it on a temporary directory)
#
# The CA, the principals' passwords, the Redis ACL and the registry's authentication come from
# the same functions as the local stack (deploy/local/lib), so both systems grant the same. Each
# container later mounts only its own folder of OUT (a volume subpath), owned by its user:
#   kafka/ (uid 1000)  mongo/ (999)  redis/ (999)  registry/ (1001)
#   services/<name>/ (1000): a LETHE_HOME with that service's keys and its env file (the
#     portal's has no KEK and no MongoDB login: it seals nothing and reads only the retention
#     log's notices)
#   mail/ (1000): Mailpit's certificate and password files
#   admin/ (1000): the CLI's LETHE_HOME (topics, ACLs, schemas, tokens)
# Run again, it changes nothing: what exists is kept (a new CA would orphan every client).
set -euo pipefail

OUT=$(mkdir -p "${1:?usage: setup.sh OUT}" && cd "$1" && pwd)
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../local/lib" && pwd)
SERVICES=(account consent retention erasure audit)
# Every name a container reaches a server or a service by, and the host's loopback.
TLS_SERVER_NAMES="DNS:localhost,IP:127.0.0.1,DNS:kafka,DNS:registry,DNS:mongo,DNS:redis,DNS:mail,DNS:portal$(printf ',DNS:%s' "${SERVICES[@]}")"
export LETHE_HOME=$OUT/.work # the CA key and the principals file: never mounted anywhere
# shellcheck source=../local/lib/common.sh
source "$LIB/common.sh"
for lib in tls secrets kafka redis registry mail; do
  # shellcheck source=/dev/null
  source "$LIB/$lib.sh"
done

if [ -f "$OUT/.done" ]; then
  say "setup: already made in $OUT"
  exit 0
fi
ensure_secrets
ensure_tls

# Ed25519 / X25519 keys as the CLI writes them: base64 DER, PKCS#8 private and SPKI public.
key_pair_json() {
  local pem
  pem=$(openssl genpkey -algorithm "$1")
  printf '{\n  "privateKey": "%s",\n  "publicKey": "%s"\n}\n' \
    "$(openssl pkey -outform DER <<<"$pem" | base64 -w0)" \
    "$(openssl pkey -pubout -outform DER <<<"$pem" | base64 -w0)"
}
public_of() { sed -n 's/.*"publicKey": "\(.*\)".*/\1/p' "$1"; }

KEYS=$LETHE_HOME/keys
(
  umask 077
  mkdir -p "$KEYS"
  openssl rand -base64 32 >"$KEYS/kek"
  key_pair_json ed25519 >"$KEYS/signing-key.json"
  key_pair_json ed25519 >"$KEYS/task-signing-key.json"
  key_pair_json ed25519 >"$KEYS/audit-key.json"
  key_pair_json x25519 >"$KEYS/ingest-key.json"
  key_pair_json ed25519 >"$KEYS/portal-key.json"
)

# One LETHE_HOME per client, with the keys it needs and nothing else, and its environment.
client_home() {
  local name=$1 dir=$OUT/$2 password
  password=$(password_of "$name")
  mkdir -p "$dir/tls" "$dir/auth" "$dir/secrets"
  cp "$TLS_CA_CERT" "$TLS_SERVER_CERT" "$TLS_SERVER_KEY" "$dir/tls/"
  public_of "$KEYS/signing-key.json" >"$dir/auth/public-keys"
  public_of "$KEYS/task-signing-key.json" >"$dir/auth/task-public-keys"
  public_of "$KEYS/portal-key.json" >"$dir/auth/portal-public-keys"
  # Quoted: a shell sources it (`set -a; . /lethe/env`), and the MongoDB URL holds `&`.
  {
    env_line LETHE_HOME /lethe
    [ "$name" = admin ] || env_line "LETHE_${name^^}_HOST" 0.0.0.0
    env_line LETHE_TLS_CA_FILE /lethe/tls/ca.crt
    env_line LETHE_REDIS_URL "rediss://$name:$password@redis:6379"
    # How the services are reached from a container (the CLI's `token`, participants, the portal).
    local port=3001 service
    for service in "${SERVICES[@]}"; do
      env_line "LETHE_${service^^}_URL" "https://$service:$port"
      port=$((port + 1))
    done
    env_line LETHE_KAFKA_BROKERS kafka:19092
    env_line LETHE_KAFKA_SASL_MECHANISM scram-sha-512
    env_line LETHE_KAFKA_SASL_USERNAME "$name"
    env_line LETHE_KAFKA_SASL_PASSWORD "$password"
    env_line LETHE_REGISTRY_URL "https://$name:$password@registry:8443/apis/ccompat/v7"
  } >"$dir/env"
  # The portal: the retention log's notices and the mail server, no database and no KEK.
  if ! reaches_data_servers "$name"; then
    {
      env_line LETHE_PORTAL_URL https://127.0.0.1:3000
      env_line LETHE_SMTP_HOST mail
      env_line LETHE_SMTP_PORT 1025
      env_line LETHE_SMTP_USERNAME "$name"
      env_line LETHE_SMTP_PASSWORD "$password"
    } >>"$dir/env"
    return 0
  fi
  cp "$KEYS/kek" "$dir/secrets/kek"
  {
    env_line LETHE_MONGO_URL "mongodb://$name:$password@mongo:27017/?tls=true&tlsCAFile=/lethe/tls/ca.crt&authSource=admin"
  } >>"$dir/env"
}
# Values are URLs, paths and base64url passwords: none holds a single quote.
env_line() { printf "%s='%s'\n" "$1" "$2"; }

(
  umask 077
  for name in "${SERVICES[@]}"; do client_home "$name" "services/$name"; done
  cp "$KEYS/ingest-key.json" "$OUT/services/account/secrets/"
  cp "$KEYS/task-signing-key.json" "$OUT/services/erasure/secrets/"
  cp "$KEYS/audit-key.json" "$OUT/services/audit/secrets/"
  client_home portal services/portal
  cp "$KEYS/portal-key.json" "$OUT/services/portal/secrets/"
  client_home admin admin
  cp "$KEYS/signing-key.json" "$OUT/admin/auth/"
  cp "$KEYS/ingest-key.json" "$KEYS/audit-key.json" "$OUT/admin/secrets/"

  # Kafka: SASL_SSL (SCRAM-SHA-512) for clients, a TLS controller, ACLs enforced.
  mkdir -p "$OUT/kafka"
  cat "$TLS_SERVER_KEY" "$TLS_SERVER_CERT" >"$OUT/kafka/keystore.pem"
  cp "$TLS_CA_CERT" "$OUT/kafka/ca.crt"
  jaas() { printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' "$1" "$(password_of "$1")"; }
  cat >"$OUT/kafka/server.properties" <<EOF
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@kafka:9093
log.dirs=/var/lib/kafka/data
# INTERNAL for containers (kafka:19092), EXTERNAL for the host (127.0.0.1:9092).
listeners=INTERNAL://:19092,EXTERNAL://:9092,CONTROLLER://:9093
advertised.listeners=INTERNAL://kafka:19092,EXTERNAL://127.0.0.1:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=CONTROLLER:SSL,INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=$(jaas broker)
listener.name.external.scram-sha-512.sasl.jaas.config=$(jaas broker)
ssl.keystore.type=PEM
ssl.keystore.location=/lethe/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=/lethe/ca.crt
listener.name.controller.ssl.client.auth=required
$(kafka_common_properties)
EOF
  {
    for name in broker "${PRINCIPALS[@]}"; do
      printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$name" "$(password_of "$name")"
    done
  } >"$OUT/kafka/scram-args"
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | cut -c1-22 >"$OUT/kafka/cluster-id"
  # The healthcheck's client: the broker's own principal, over the containers' listener.
  printf '%s\n' "security.protocol=SASL_SSL" "sasl.mechanism=SCRAM-SHA-512" \
    "sasl.jaas.config=$(jaas broker)" "ssl.truststore.type=PEM" \
    "ssl.truststore.location=/lethe/ca.crt" >"$OUT/kafka/client.properties"

  # MongoDB: TLS required, a user per principal (its init script reads users.tsv once).
  mkdir -p "$OUT/mongo"
  cat "$TLS_SERVER_KEY" "$TLS_SERVER_CERT" >"$OUT/mongo/server.pem"
  cp "$TLS_CA_CERT" "$OUT/mongo/ca.crt"
  password_of admin >"$OUT/mongo/root-password"
  for name in "${PRINCIPALS[@]}"; do
    [ "$name" = admin ] && continue
    reaches_data_servers "$name" || continue
    printf '%s\t%s\n' "$name" "$(password_of "$name")"
  done >"$OUT/mongo/users.tsv"

  # Redis: TLS only, each principal an ACL user with its own key patterns (lib/redis.sh).
  mkdir -p "$OUT/redis"
  REDIS_DATA=$OUT/redis write_redis_acl
  cp "$TLS_CA_CERT" "$TLS_SERVER_CERT" "$TLS_SERVER_KEY" "$OUT/redis/"
  password_of admin >"$OUT/redis/admin-password"

  # The registry: HTTPS only, HTTP Basic per principal, only admin writes (lib/registry.sh).
  mkdir -p "$OUT/registry"
  cp "$TLS_CA_CERT" "$TLS_SERVER_CERT" "$TLS_SERVER_KEY" "$OUT/registry/"
  LETHE_HOST=0.0.0.0 LETHE_REGISTRY_PORT=8443 LETHE_REGISTRY_MANAGEMENT_PORT=9000 \
    TLS_SERVER_CERT=/lethe/server.crt TLS_SERVER_KEY=/lethe/server.key \
    REGISTRY_CONFIG=$OUT/registry/registry.properties write_registry_config

  # Mailpit: STARTTLS and a login on SMTP (the portal sends), HTTPS and a login on its API (admin).
  mkdir -p "$OUT/mail"
  cp "$TLS_CA_CERT" "$TLS_SERVER_CERT" "$TLS_SERVER_KEY" "$OUT/mail/"
  MAIL_DATA=$OUT/mail write_mail_auth
)

# Each container's user owns its folder, and nobody else reads it.
if [ "$(id -u)" -eq 0 ]; then
  chown -R 1000:1000 "$OUT/kafka" "$OUT/services" "$OUT/admin" "$OUT/mail"
  chown -R 999:999 "$OUT/mongo" "$OUT/redis"
  chown -R 1001:0 "$OUT/registry"
fi
chmod 700 "$OUT/.work"
touch "$OUT/.done"
say "setup: made the CA, principals, keys and server configurations in $OUT"
