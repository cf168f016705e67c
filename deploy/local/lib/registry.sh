# Apicurio Registry 3.3 (Confluent-compatible API at /apis/ccompat/v7), from Maven Central.
# Its schemas live in an H2 file under data/, so schema ids survive a restart: every record in
# Kafka names its schema by id, and a registry that forgot them could decode nothing.

REGISTRY_OPT=$OPT_DIR/apicurio-registry-$REGISTRY_VERSION
REGISTRY_DATA=$DATA_DIR/registry
# HTTPS and the users, in a file only this user reads (passwords never go on a command line).
REGISTRY_CONFIG=$SECRETS_DIR/registry.properties

install_registry() {
  [ -f "$REGISTRY_OPT/quarkus-run.jar" ] && return 0
  require_command mvn "install Maven (Debian: apt-get install -y maven); it fetches Apicurio Registry from Maven Central."
  say "installing Apicurio Registry $REGISTRY_VERSION (from Maven Central, cached in ~/.m2)"
  local staging=$REGISTRY_OPT.partial
  rm -rf "$staging"
  mkdir -p "$staging"
  mvn -B -q "$MAVEN_DEPENDENCY_PLUGIN:copy" \
    -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" -DoutputDirectory="$staging" ||
    fail "Maven could not fetch Apicurio Registry (see the output above)."
  tar -xzf "$staging/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz" -C "$staging"
  rm -f "$staging/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz"
  mv "$staging" "$REGISTRY_OPT"
}

registry_java() {
  # Apicurio 3.3 is built for Java 21 (class file 65): Java 17 fails at start.
  find_java 21 "${LETHE_REGISTRY_JAVA_HOME:-}" ||
    fail "Apicurio Registry $REGISTRY_VERSION needs Java 21 or newer, and none was found (JAVA_HOME, PATH, /usr/lib/jvm). Install a JDK 21+ and set LETHE_REGISTRY_JAVA_HOME to it."
}

# Quarkus does both jobs in front of Apicurio: HTTPS only (the plain port is not opened), and
# HTTP Basic against users made from the local principals. `admin` (the CLI's `schemas
# register`, the tests) may write; everyone else reads (a subject's versions too, which the
# Confluent serializers of other languages ask for), and a reader may look a schema up
# (POST /subjects/NAME) but not register one (POST /subjects/NAME/versions). Apicurio's own
# authentication is OIDC only, which would need a Keycloak beside it.
write_registry_config() {
  (
    umask 077
    printf '%s\n' \
      "quarkus.http.host=$LETHE_HOST" \
      "quarkus.http.ssl-port=$LETHE_REGISTRY_PORT" \
      "quarkus.http.insecure-requests=disabled" \
      "quarkus.http.ssl.certificate.files=$TLS_SERVER_CERT" \
      "quarkus.http.ssl.certificate.key-files=$TLS_SERVER_KEY" \
      "quarkus.management.host=$LETHE_HOST" \
      "quarkus.management.port=$LETHE_REGISTRY_MANAGEMENT_PORT" \
      "quarkus.management.ssl.certificate.files=$TLS_SERVER_CERT" \
      "quarkus.management.ssl.certificate.key-files=$TLS_SERVER_KEY" \
      "quarkus.http.auth.basic=true" \
      "quarkus.security.users.embedded.enabled=true" \
      "quarkus.security.users.embedded.plain-text=true" \
      "quarkus.http.auth.policy.writers.roles-allowed=registry-writer" \
      "quarkus.http.auth.policy.readers.roles-allowed=registry-reader,registry-writer" \
      "quarkus.http.auth.permission.reads.paths=/apis/*" \
      "quarkus.http.auth.permission.reads.methods=GET,HEAD" \
      "quarkus.http.auth.permission.reads.policy=readers" \
      "quarkus.http.auth.permission.lookups.paths=/apis/ccompat/v7/subjects/*" \
      "quarkus.http.auth.permission.lookups.methods=GET,HEAD,POST" \
      "quarkus.http.auth.permission.lookups.policy=readers" \
      "quarkus.http.auth.permission.writes.paths=/apis/*,/apis/ccompat/v7/subjects/*/versions" \
      "quarkus.http.auth.permission.writes.methods=POST,PUT,DELETE,PATCH" \
      "quarkus.http.auth.permission.writes.policy=writers" >"$REGISTRY_CONFIG"
    local name role
    for name in "${PRINCIPALS[@]}"; do
      role=registry-reader
      [ "$name" = admin ] && role=registry-writer
      printf '%s\n' "quarkus.security.users.embedded.users.$name=$(password_of "$name")" \
        "quarkus.security.users.embedded.roles.$name=$role" >>"$REGISTRY_CONFIG"
    done
  )
}

start_registry() {
  local java
  java=$(registry_java) || exit 1
  (umask 077 && mkdir -p "$REGISTRY_DATA")
  write_registry_config
  (
    cd "$REGISTRY_OPT" || exit 1
    launch registry "$java" -Xms64m -Xmx384m -XX:+ExitOnOutOfMemoryError "${EXTRA_JAVA_OPTIONS[@]}" \
      -Dquarkus.config.locations="file:$REGISTRY_CONFIG" \
      -Dapicurio.rules.global.compatibility=BACKWARD \
      -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
      -Dapicurio.datasource.url="jdbc:h2:file:$REGISTRY_DATA/registry" \
      -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
      -Dapicurio.datasource.jdbc.max-size=10 \
      -Dquarkus.log.category.\"io.quarkus.http.access-log\".level=WARN \
      -jar quarkus-run.jar
  )
}
