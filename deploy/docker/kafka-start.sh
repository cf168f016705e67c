#!/usr/bin/env bash
# docker-compose's Kafka (apache/kafka image): on the first start, formats the log dir in the
# kafka-data volume with every principal's SCRAM credentials (setup.sh wrote them into /lethe),
# then runs the broker and controller with setup.sh's server.properties (SASL_SSL, ACLs).
set -euo pipefail
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  mapfile -t scram </lethe/scram-args
  /opt/kafka/bin/kafka-storage.sh format --cluster-id "$(cat /lethe/cluster-id)" \
    --config /lethe/server.properties "${scram[@]}" >/dev/null
fi
exec /opt/kafka/bin/kafka-server-start.sh /lethe/server.properties
