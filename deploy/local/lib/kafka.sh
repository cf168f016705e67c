# Apache Kafka in KRaft mode from Maven Central jars: one combined broker+controller node, or
# three (`./lethe up --brokers 3`: kafka, kafka-2, kafka-3, each a broker and a voter).
# Clients reach it on SASL_SSL only (SCRAM-SHA-512, one user per principal, created when the
# log dir is formatted); the controller listener is SSL with client certificates. The standard
# authorizer denies what no ACL allows; `lethe topics apply` writes the ACLs (one matrix in
# code, `lethe kafka acls` prints it). `broker` and `admin` are super users.

KAFKA_OPT=$OPT_DIR/kafka-$KAFKA_VERSION
# Node 1 keeps the single node's folder, so a one-node stack made before clusters still starts.
kafka_data_of() { [ "$1" = 1 ] && echo "$DATA_DIR/kafka" || echo "$DATA_DIR/kafka-$1"; }
KAFKA_DATA=$(kafka_data_of 1)
KAFKA_CLUSTER_ID_FILE=$DATA_DIR/kafka-cluster-id

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

# The broker's key and certificate chain in one PEM file (Kafka's PEM keystore).
write_kafka_keystore() {
  (umask 077 && cat "$TLS_SERVER_KEY" "$TLS_SERVER_CERT" >"$1/keystore.pem")
}

# Authorization and the internal topics' replication, for a cluster of $1 nodes (default 1):
# the same for these brokers and docker-compose's (deploy/docker/setup.sh).
kafka_common_properties() {
  local nodes=${1:-1} replicas=1 min_isr=1
  # One node: the internal topics cannot have more replicas than that, or groups and
  # transactions wait forever for a coordinator. Three: an acked write survives a node's loss.
  [ "$nodes" -ge 3 ] && replicas=3 && min_isr=2
  cat <<PROPS
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
# The controller listener's client is the broker itself, known by its certificate.
super.users=User:broker;User:admin;User:CN=localhost
offsets.topic.replication.factor=$replicas
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
# Topics are specs in code (lethe topics apply): a typo must fail, not create a topic.
auto.create.topics.enable=false
num.partitions=1
PROPS
}

# Every node is a voter: 1@host:9093,2@host:9095,3@host:9097.
kafka_voters() {
  local node voters=()
  for ((node = 1; node <= KAFKA_NODES; node++)); do
    voters+=("$node@$LETHE_HOST:$(kafka_controller_port_of "$node")")
  done
  (IFS=, && echo "${voters[*]}")
}

write_kafka_config() {
  local node=$1 data port controller_port
  data=$(kafka_data_of "$node")
  port=$(kafka_port_of "$node")
  controller_port=$(kafka_controller_port_of "$node")
  # Holds the broker's own SCRAM password: readable by this user only.
  (umask 077 && cat >"$data/server.properties") <<PROPS
# Written by deploy/local/stack.sh at each start; edit lib/kafka.sh instead.
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$(kafka_voters)
listeners=SASL_SSL://$LETHE_HOST:$port,CONTROLLER://$LETHE_HOST:$controller_port
advertised.listeners=SASL_SSL://$LETHE_HOST:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(password_of broker)";
ssl.keystore.type=PEM
ssl.keystore.location=$data/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_CA_CERT
ssl.endpoint.identification.algorithm=https
listener.name.controller.ssl.client.auth=required
log.dirs=$data/log
$(kafka_common_properties "$KAFKA_NODES")
PROPS
}

start_kafka() { start_kafka_node 1; }
for ((node = 2; node <= KAFKA_NODES; node++)); do
  eval "install_kafka-$node() { :; }; start_kafka-$node() { start_kafka_node $node; }"
done

start_kafka_node() {
  local node=$1 java data name
  java=$(kafka_java) || exit 1
  data=$(kafka_data_of "$node")
  name=kafka
  [ "$node" = 1 ] || name=kafka-$node
  (umask 077 && mkdir -p "$data/log")
  echo "$KAFKA_NODES" >"$KAFKA_NODES_FILE"
  write_kafka_keystore "$data"
  write_kafka_config "$node"
  if [ ! -f "$data/log/meta.properties" ]; then
    # The cluster id is made once, for every node; the formatted log dir keeps it across
    # restarts. One random id in 64 starts with '-': only the --cluster-id=... form keeps the
    # tool from reading it as an option. SCRAM users can only be added here, before the
    # first start (later ones would need a running, authenticated admin client).
    [ -s "$KAFKA_CLUSTER_ID_FILE" ] ||
      (umask 077 && head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' >"$KAFKA_CLUSTER_ID_FILE")
    local user scram=() users=()
    for user in broker "${PRINCIPALS[@]}"; do
      users+=("$user")
      scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(password_of "$user")]")
    done
    "$java" "${EXTRA_JAVA_OPTIONS[@]}" -cp "$KAFKA_OPT/libs/*" kafka.tools.StorageTool format --cluster-id="$(cat "$KAFKA_CLUSTER_ID_FILE")" \
      -c "$data/server.properties" "${scram[@]}" >"$LOG_DIR/$name-format.log" 2>&1 ||
      fail "formatting Kafka's log dir failed; see $LOG_DIR/$name-format.log."
    printf '%s\n' "${users[@]}" >"$data/scram-users"
  fi
  [ -f "$data/scram-users" ] ||
    fail "Kafka's log in $data was made before SASL and has no users: './lethe reset' makes a new one (it wipes the local data)."
  launch "$name" "$java" -Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true "${EXTRA_JAVA_OPTIONS[@]}" \
    -Dlog4j2.configurationFile="file:$LOCAL_DIR/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$KAFKA_OPT/libs/*" kafka.Kafka "$data/server.properties"
}

# SCRAM users can be added at format time only without a running cluster: a principal added to
# PRINCIPALS later (the portal's, say) gets its user here, through the running brokers, as
# `admin`. The formatted log dir's scram-users file lists who has one.
ensure_kafka_users() {
  local users_file=$KAFKA_DATA/scram-users user missing=()
  [ -f "$users_file" ] || return 0
  for user in "${PRINCIPALS[@]}"; do grep -qx "$user" "$users_file" || missing+=("$user"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  local java config=$RUN_DIR/kafka-admin.properties
  java=$(kafka_java) || exit 1
  (
    umask 077
    printf '%s\n' "security.protocol=SASL_SSL" "sasl.mechanism=SCRAM-SHA-512" \
      "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(password_of admin)\";" \
      "ssl.truststore.type=PEM" "ssl.truststore.location=$TLS_CA_CERT" >"$config"
  )
  for user in "${missing[@]}"; do
    "$java" "${EXTRA_JAVA_OPTIONS[@]}" -cp "$KAFKA_OPT/libs/*" kafka.admin.ConfigCommand --bootstrap-server "$(kafka_brokers)" \
      --command-config "$config" --alter --entity-type users --entity-name "$user" \
      --add-config "SCRAM-SHA-512=[password=$(password_of "$user")]" >>"$LOG_DIR/kafka-users.log" 2>&1 ||
      { rm -f "$config"; fail "could not add Kafka's SCRAM user $user; see $LOG_DIR/kafka-users.log."; }
    echo "$user" >>"$users_file"
    say "added Kafka user $user"
  done
  rm -f "$config"
}
