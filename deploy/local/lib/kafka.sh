# Apache Kafka, one combined broker+controller node in KRaft mode, from Maven Central jars.

KAFKA_OPT=$OPT_DIR/kafka-$KAFKA_VERSION
KAFKA_DATA=$DATA_DIR/kafka

install_kafka() {
  [ -f "$KAFKA_OPT/libs/kafka_2.13-$KAFKA_VERSION.jar" ] && return 0
  require_command mvn "install Maven (Debian: apt-get install -y maven); it fetches Kafka's jars from Maven Central."
  say "installing Kafka $KAFKA_VERSION (jars from Maven Central, cached in ~/.m2)"
  local staging=$KAFKA_OPT.partial
  rm -rf "$staging"
  mvn -B -q -f "$LOCAL_DIR/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    "$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$staging/libs" ||
    fail "Maven could not fetch Kafka's jars (see the output above)."
  mv "$staging" "$KAFKA_OPT"
}

kafka_java() {
  find_java 17 "${LETHE_KAFKA_JAVA_HOME:-}" ||
    fail "Kafka $KAFKA_VERSION needs Java 17 or newer (Debian: apt-get install -y openjdk-17-jre-headless), or set LETHE_KAFKA_JAVA_HOME."
}

write_kafka_config() {
  cat >"$KAFKA_DATA/server.properties" <<PROPS
# Written by deploy/local/stack.sh at each start; edit lib/kafka.sh instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$LETHE_HOST:$LETHE_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$LETHE_HOST:$LETHE_KAFKA_PORT,CONTROLLER://$LETHE_HOST:$LETHE_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$LETHE_HOST:$LETHE_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA/log
# One node: the internal topics cannot have more replicas than that, or groups and
# transactions wait forever for a coordinator.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are specs in code (lethe topics apply): a typo must fail, not create a topic.
auto.create.topics.enable=false
num.partitions=1
PROPS
}

start_kafka() {
  local java
  java=$(kafka_java) || exit 1
  mkdir -p "$KAFKA_DATA/log"
  write_kafka_config
  if [ ! -f "$KAFKA_DATA/log/meta.properties" ]; then
    # The cluster id is made once; the formatted log dir keeps it across restarts.
    # One random id in 64 starts with '-': only the --cluster-id=... form keeps the
    # tool from reading it as an option.
    local cluster_id
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    "$java" -cp "$KAFKA_OPT/libs/*" kafka.tools.StorageTool format --cluster-id="$cluster_id" \
      -c "$KAFKA_DATA/server.properties" >"$LOG_DIR/kafka-format.log" 2>&1 ||
      fail "formatting Kafka's log dir failed; see $LOG_DIR/kafka-format.log."
  fi
  launch kafka "$java" -Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="file:$LOCAL_DIR/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$KAFKA_OPT/libs/*" kafka.Kafka "$KAFKA_DATA/server.properties"
}
