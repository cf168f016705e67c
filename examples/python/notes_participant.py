"""A Python service joins Lethe's erasure protocol for a SQLite table it owns.

It registers on the participants topic, takes its tasks from its own task topic, verifies each
task's Ed25519 signature against the erasure service's public keys before it touches data,
erases, reads back, and answers on the answers topic with its counts and an evidence digest."""

import base64
import json
import signal
import sqlite3

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.serialization import MessageField, SerializationContext
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_der_public_key

import lethe_kafka as lethe

PARTICIPANT_ID = lethe.env.get("NOTES_PARTICIPANT_ID", "python-notes")
TASKS = f"lethe.erasure.tasks.{PARTICIPANT_ID}.v1"
PARTICIPANTS = "lethe.erasure.participants.v1"
ANSWERS = "lethe.erasure.answers.v1"
PRODUCER = f"participant:{PARTICIPANT_ID}"

# The erasure service's task-signing keys (base64 SPKI DER Ed25519; several while one rotates).
TASK_KEYS = [load_der_public_key(base64.b64decode(k)) for k in lethe.env["LETHE_TASK_PUBLIC_KEYS"].split(",")]

db = sqlite3.connect(lethe.env["NOTES_SQLITE_FILE"])
db.execute("CREATE TABLE IF NOT EXISTS notes (subject_id TEXT NOT NULL, text TEXT NOT NULL)")
db.execute("CREATE INDEX IF NOT EXISTS notes_by_subject ON notes (subject_id)")


def signed_by_lethe(data, subject_id, now_ms):
    """Signature verifies under a task key, and the task has not expired."""
    signature = data.get("signature")
    if not signature or lethe.millis(signature["expiresAt"]) <= now_ms:
        return False
    signed = lethe.canonical_task(data, subject_id)
    value = base64.urlsafe_b64decode(signature["value"] + "=" * (-len(signature["value"]) % 4))
    for key in TASK_KEYS:
        try:
            key.verify(value, signed)
            return True
        except InvalidSignature:
            continue
    return False


def erase(subject_id):
    """Idempotent: a task can come twice. Erase, read back, report what the read-back saw."""
    deleted = db.execute("DELETE FROM notes WHERE subject_id = ?", (subject_id,)).rowcount
    db.commit()
    (remaining,) = db.execute("SELECT COUNT(*) FROM notes WHERE subject_id = ?", (subject_id,)).fetchone()
    return {
        "outcome": "erased" if deleted else "not-found",
        "counts": {"sqlite:notes": deleted},
        "verifiedEmpty": remaining == 0,
        "evidence": {"remaining": remaining, "table": "notes"},
    }


def main():
    config = lethe.kafka_config(PARTICIPANT_ID)
    registry = lethe.registry()
    producer = Producer({**config, "enable.idempotence": True, "acks": "all"})

    def publish(logical_topic, home_topic, record_name, key, value):
        target = lethe.topic(logical_topic)
        serialize = lethe.serializer(registry, home_topic, record_name)
        producer.produce(
            target,
            key=key.encode(),
            value=serialize(value, SerializationContext(target, MessageField.VALUE)),
            headers=lethe.headers(value),
        )
        if producer.flush(30) != 0:
            raise RuntimeError(f"{record_name} was not acknowledged")

    # Its task topic (where operators own topics, `lethe topics apply` made it already).
    admin = AdminClient(config)  # kept while its futures resolve
    created = admin.create_topics(
        [NewTopic(lethe.topic(TASKS), num_partitions=3, config={"retention.ms": str(7 * 86_400_000)})]
    )
    for future in created.values():
        try:
            future.result()
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    registration = lethe.envelope("ParticipantRegistered", None, PRODUCER, correlation_id=f"register:{PARTICIPANT_ID}")
    publish(
        PARTICIPANTS,
        PARTICIPANTS,
        "lethe.erasure.v1.ParticipantRegistered",
        PARTICIPANT_ID,
        {
            "envelope": registration,
            "data": {
                "participantId": PARTICIPANT_ID,
                "stores": ["sqlite:notes"],
                "categories": ["user-content"],
                "phase": 1,
                "timeoutMs": 30_000,
                "taskTopic": TASKS,
                "exports": False,
            },
        },
    )

    consumer = Consumer(
        {
            **config,
            "group.id": lethe.topic(f"lethe.participant.{PARTICIPANT_ID}"),
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([lethe.topic(TASKS)])
    deserialize = lethe.deserializer(registry)
    print(json.dumps({"participantId": PARTICIPANT_ID, "registered": True}), flush=True)

    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    while running:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        task = deserialize(message.value(), SerializationContext(message.topic(), MessageField.VALUE))
        envelope, data = task["envelope"], task["data"]
        subject_id = envelope["subjectId"]
        if envelope["type"] == "ErasureTaskIssued" and data["participantId"] == PARTICIPANT_ID and subject_id:
            if not signed_by_lethe(data, subject_id, lethe.now_ms()):
                # Never run: a principal that may write the task topic still cannot erase anyone.
                print(json.dumps({"refused": data["requestId"]}), flush=True)
            else:
                result = erase(subject_id)
                answer = lethe.envelope(
                    "ErasureTaskCompleted",
                    subject_id,
                    PRODUCER,
                    correlation_id=envelope["correlationId"],
                    causation_id=str(envelope["eventId"]),  # a uuid logical type arrives as UUID
                )
                publish(
                    ANSWERS,
                    "lethe.erasure.events.v1",
                    "lethe.erasure.v1.ErasureTaskCompleted",
                    subject_id,
                    {
                        "envelope": answer,
                        "data": {
                            "requestId": data["requestId"],
                            "participantId": PARTICIPANT_ID,
                            "attempt": data["attempt"],
                            "outcome": result["outcome"],
                            "counts": result["counts"],
                            "verifiedEmpty": result["verifiedEmpty"],
                            "evidenceDigest": lethe.evidence_digest(result["evidence"]),
                            "retainedUntil": None,
                        },
                    },
                )
        # Committed after the answer is acknowledged: a crash answers again, never loses a task.
        consumer.commit(message, asynchronous=False)
    consumer.close()


if __name__ == "__main__":
    main()
