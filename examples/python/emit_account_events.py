"""A Python service emits account events to Lethe: a sign-up, then a profile change.

Personal fields are sealed with HPKE (RFC 9180 base mode: DHKEM(X25519, HKDF-SHA256),
HKDF-SHA256, AES-256-GCM) to the account service's public key, bound to the subject, the topic,
the event and the field, before they leave the process. Prints the subject id as JSON."""

import base64
import json
import uuid

from confluent_kafka import Producer
from confluent_kafka.serialization import MessageField, SerializationContext
from pyhpke import AEADId, CipherSuite, KDFId, KEMId

import lethe_kafka as lethe

INGEST = "lethe.account.ingest.v1"
SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)
INFO = b"lethe.sealed-box.v2"
VERSION = b"\x02"

# LETHE_ACCOUNT_INGEST_PUBLIC_KEY is base64 SPKI DER (./lethe ingest-key public): for X25519 the
# raw 32-byte key is its tail.
account_key = SUITE.kem.deserialize_public_key(base64.b64decode(lethe.env["LETHE_ACCOUNT_INGEST_PUBLIC_KEY"])[-32:])


def seal(subject_id, event_id, field, value):
    """0x02 | enc | ciphertext; `aad` names where the value belongs, so it opens nowhere else."""
    if value is None:
        return None
    aad = lethe.js_json(["lethe.field.v1", subject_id, INGEST, event_id, field]).encode()
    enc, sender = SUITE.create_sender_context(account_key, info=INFO)  # a fresh ephemeral key
    return VERSION + enc + sender.seal(value.encode(), aad=aad)


def event(event_type, subject_id, fields):
    envelope = lethe.envelope(event_type, subject_id, producer="py-crm")
    sealed = {name: seal(subject_id, envelope["eventId"], name, value) for name, value in fields.items()}
    return {"envelope": envelope, "data": sealed}


def main():
    producer = Producer({**lethe.kafka_config("py-crm"), "enable.idempotence": True, "acks": "all"})
    registry = lethe.registry()
    subject_id = "sub_" + uuid.uuid4().hex

    def emit(record_name, value):
        target = lethe.topic(INGEST)
        serialize = lethe.serializer(registry, INGEST, f"lethe.account.ingest.v1.{record_name}")
        producer.produce(
            target,
            key=subject_id.encode(),  # the opaque subject id: never personal data
            value=serialize(value, SerializationContext(target, MessageField.VALUE)),
            headers=lethe.headers(value),
        )

    emit(
        "SignedUp",
        event("SignedUp", subject_id, {"email": "ada@example.com", "name": "Ada Lovelace", "phone": None, "timezone": None}),
    )
    emit(
        "ProfileChanged",
        event(
            "ProfileChanged",
            subject_id,
            {"email": "ada@analytical.example", "name": None, "phone": "+44 20 7946 0000", "timezone": None},
        ),
    )
    if producer.flush(30) != 0:
        raise SystemExit("the events were not acknowledged")
    print(json.dumps({"subjectId": subject_id}))


if __name__ == "__main__":
    main()
