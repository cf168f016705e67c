"""Lethe's Kafka contract, from Python: connection settings, Avro through the schema registry,
envelopes, and the canonical forms that signatures and evidence digests are computed over.
See docs/asyncapi.yaml for every topic, key, header and schema."""

import datetime
import hashlib
import json
import os
import time
import uuid

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer

env = os.environ

# Side-by-side copies of Lethe (tests) prefix every topic, as its services do; production has none.
PREFIX = env.get("LETHE_TOPIC_PREFIX", "")

# The version of each event's schema this code writes (the vN of its .avsc file).
SCHEMA_VERSIONS = {
    "SignedUp": 1,
    "ProfileChanged": 1,
    "ParticipantRegistered": 2,
    "ErasureTaskCompleted": 1,
}


def topic(logical):
    return f"{PREFIX}.{logical}" if PREFIX else logical


def kafka_config(client_id):
    """librdkafka settings from `./lethe env --as NAME`: TLS to the brokers, SCRAM credentials."""
    return {
        "bootstrap.servers": env["LETHE_KAFKA_BROKERS"],
        "client.id": client_id,
        "security.protocol": "SASL_SSL",
        "ssl.ca.location": env["LETHE_TLS_CA_FILE"],
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": env["LETHE_KAFKA_SASL_USERNAME"],
        "sasl.password": env["LETHE_KAFKA_SASL_PASSWORD"],
    }


def registry():
    """The registry's Confluent API; credentials travel in LETHE_REGISTRY_URL."""
    return SchemaRegistryClient({"url": env["LETHE_REGISTRY_URL"], "ssl.ca.location": env["LETHE_TLS_CA_FILE"]})


def serializer(client, home_topic, record_name):
    """Writes one event type with the newest schema registered for it; never registers one.
    Lethe registers each event once, under <its home topic>-<full record name>
    (TopicRecordNameStrategy on the logical topic), wherever it is written: answers, say, are
    ErasureTask* events of lethe.erasure.events.v1 that travel on lethe.erasure.answers.v1."""

    def subject(_ctx, _record_name):
        return f"{home_topic}-{record_name}"

    return AvroSerializer(
        client,
        None,
        conf={"auto.register.schemas": False, "use.latest.version": True, "subject.name.strategy": subject},
    )


def deserializer(client):
    return AvroDeserializer(client)


def envelope(event_type, subject_id, producer, correlation_id=None, causation_id=None):
    event_id = str(uuid.uuid4())
    return {
        "eventId": event_id,
        "type": event_type,
        "subjectId": subject_id,
        "occurredAt": int(time.time() * 1000),
        "correlationId": correlation_id or event_id,
        "causationId": causation_id,
        "producer": producer,
        "schemaVersion": SCHEMA_VERSIONS[event_type],
    }


def headers(event):
    """Ids and the type only, so an SRE can triage a record without decoding it."""
    return [("lethe.event-id", event["envelope"]["eventId"]), ("lethe.event-type", event["envelope"]["type"])]


def js_json(value):
    """JSON as JavaScript's JSON.stringify writes it (no spaces, non-ASCII kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value):
    """Object keys sorted at every level: the same evidence always has the same bytes."""
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(js_json(k) + ":" + canonical_json(v) for k, v in items) + "}"
    return js_json(value)


def evidence_digest(evidence):
    return "sha256:" + hashlib.sha256(canonical_json(evidence).encode()).hexdigest()


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def millis(value):
    """Epoch milliseconds; Avro's timestamp-millis fields arrive as datetimes, exactly."""
    if isinstance(value, datetime.datetime):
        return (value - EPOCH) // datetime.timedelta(milliseconds=1)
    return value


def canonical_task(data, subject_id):
    """The bytes the erasure service signs with Ed25519 (packages/events/src/task-signature.ts)."""
    scope = data["scope"]
    keep = sorted(scope.get("keep") or [])
    signature = data["signature"]
    parts = [
        "lethe.erasure-task.v2" if keep else "lethe.erasure-task.v1",
        data["requestId"],
        subject_id,
        data["participantId"],
        scope["all"],
        sorted(scope["categories"]),
        *([keep] if keep else []),
        data["attempt"],
        millis(signature["issuedAt"]),
        millis(signature["expiresAt"]),
    ]
    return js_json(parts).encode()


def now_ms():
    return int(time.time() * 1000)
