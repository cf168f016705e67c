# Apache Kafka, one combined broker+controller node in KRaft mode, from Maven Central jars.
# Clients reach it on SASL_SSL only (SCRAM-SHA-512, one user per principal, created when the
# log dir is formatted); the controller listener is SSL with client certificates. The standard
# authorizer denies what no ACL allows; `lethe topics apply` writes the ACLs (one matrix in
# code, `lethe kafka acls` prints it). `broker` and `admin` are super users.

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

KAFKA_SCRAM_USERS=$KAFKA_DATA/scram-users # the principals formatted into the log dir

# The broker's key and certificate chain in one PEM file (Kafka's PEM keystore).
write_kafka_keystore() {
  (umask 077 && cat "$TLS_SERVER_KEY" "$TLS_SERVER_CERT" >"$KAFKA_DATA/keystore.pem")
}

# Authorization and what a one-node cluster needs: the same for this broker and for
# docker-compose's (deploy/docker/setup.sh).
kafka_common_properties() {
  cat <<'PROPS'
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
# The controller listener's client is the broker itself, known by its certificate.
super.users=User:broker;User:admin;User:CN=localhost
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

write_kafka_config() {
  # Holds the broker's own SCRAM password: readable by this user only.
  (umask 077 && cat >"$KAFKA_DATA/server.properties") <<PROPS
# Written by deploy/local/stack.sh at each start; edit lib/kafka.sh instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$LETHE_HOST:$LETHE_KAFKA_CONTROLLER_PORT
listeners=SASL_SSL://$LETHE_HOST:$LETHE_KAFKA_PORT,CONTROLLER://$LETHE_HOST:$LETHE_KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://$LETHE_HOST:$LETHE_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(password_of broker)";
ssl.keystore.type=PEM
ssl.keystore.location=$KAFKA_DATA/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_CA_CERT
ssl.endpoint.identification.algorithm=https
listener.name.controller.ssl.client.auth=required
log.dirs=$KAFKA_DATA/log
$(kafka_common_properties)
PROPS
}

start_kafka() {
  local java
  java=$(kafka_java) || exit 1
  (umask 077 && mkdir -p "$KAFKA_DATA/log")
  write_kafka_keystore
  write_kafka_config
  if [ ! -f "$KAFKA_DATA/log/meta.properties" ]; then
    # The cluster id is made once; the formatted log dir keeps it across restarts.
    # One random id in 64 starts with '-': only the --cluster-id=... form keeps the
    # tool from reading it as an option. SCRAM users can only be added here, before the
    # first start (later ones would need a running, authenticated admin client).
    local cluster_id name scram=()
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    for name in broker "${PRINCIPALS[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(password_of "$name")]")
    done
    "$java" -cp "$KAFKA_OPT/libs/*" kafka.tools.StorageTool format --cluster-id="$cluster_id" \
      -c "$KAFKA_DATA/server.properties" "${scram[@]}" >"$LOG_DIR/kafka-format.log" 2>&1 ||
      fail "formatting Kafka's log dir failed; see $LOG_DIR/kafka-format.log."
    printf '%s\n' broker "${PRINCIPALS[@]}" >"$KAFKA_SCRAM_USERS"
  fi
  [ -f "$KAFKA_SCRAM_USERS" ] ||
    fail "Kafka's log in $KAFKA_DATA was made before SASL and has no users: './lethe reset' makes a new one (it wipes the local data)."
  launch kafka "$java" -Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="file:$LOCAL_DIR/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$KAFKA_OPT/libs/*" kafka.Kafka "$KAFKA_DATA/server.properties"
}
