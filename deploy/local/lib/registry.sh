# Apicurio Registry 3.3 (Confluent-compatible API at /apis/ccompat/v7), from Maven Central.
# Its schemas live in an H2 file under data/, so schema ids survive a restart: every record in
# Kafka names its schema by id, and a registry that forgot them could decode nothing.

REGISTRY_OPT=$OPT_DIR/apicurio-registry-$REGISTRY_VERSION
REGISTRY_DATA=$DATA_DIR/registry

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

start_registry() {
  local java
  java=$(registry_java) || exit 1
  mkdir -p "$REGISTRY_DATA"
  (
    cd "$REGISTRY_OPT" || exit 1
    launch registry "$java" -Xms64m -Xmx384m -XX:+ExitOnOutOfMemoryError \
      -Dquarkus.http.host="$LETHE_HOST" -Dquarkus.http.port="$LETHE_REGISTRY_PORT" \
      -Dquarkus.management.host="$LETHE_HOST" -Dquarkus.management.port="$LETHE_REGISTRY_MANAGEMENT_PORT" \
      -Dapicurio.rules.global.compatibility=BACKWARD \
      -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
      -Dapicurio.datasource.url="jdbc:h2:file:$REGISTRY_DATA/registry" \
      -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
      -Dapicurio.datasource.jdbc.max-size=10 \
      -Dquarkus.log.category.\"io.quarkus.http.access-log\".level=WARN \
      -jar quarkus-run.jar
  )
}
