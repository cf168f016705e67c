"""An independent verifier of Lethe's audit ledger, written from docs/ledger-format.md.

Replays the ledger and the audited topics from offset 0 and checks: the hash chain, every
checkpoint's Ed25519 signature and, for tree heads, the RFC 9162 Merkle root of the entries up
to it; every audited record against its entry's digest; and the erasure protocol's rules on the
erasure log (the forgeries a writer of those topics could make). Prints a JSON report; exit 0
only when nothing is wrong. With `--receipt FILE` it checks one erasure receipt offline instead,
with `--consistency FILE` a consistency proof between two signed tree heads. Settings: the
variables `./lethe env` prints, and
LETHE_AUDIT_PUBLIC_KEY (base64 SPKI DER Ed25519)."""

import base64
import datetime
import hashlib
import json
import os
import sys

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_der_public_key

env = os.environ
PREFIX = env.get("LETHE_TOPIC_PREFIX", "")


def physical(logical):
    """The topic's name in a side-by-side copy (LETHE_TOPIC_PREFIX), as Lethe's services name it."""
    return f"{PREFIX}.{logical}" if PREFIX else logical
LEDGER = "lethe.audit.ledger.v1"
AUDITED = [
    "lethe.account.events.v1",
    "lethe.account.ingest.v1",
    "lethe.consent.events.v1",
    "lethe.retention.events.v1",
    "lethe.erasure.events.v1",
    "lethe.erasure.participants.v1",
    "lethe.access.events.v1",
]
COMPACTED = {"lethe.erasure.participants.v1"}
GENESIS = "sha256:" + "0" * 64
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def ms(value):
    if isinstance(value, datetime.datetime):
        return (value - EPOCH) // datetime.timedelta(milliseconds=1)
    return value


def js(value):
    """JSON as JavaScript's JSON.stringify writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def sha256_text(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_topic(topic, read_committed=False):
    """Every record of a topic, partition by partition from its low watermark: (partition, offset, value)."""
    consumer = Consumer(
        {
            "bootstrap.servers": env["LETHE_KAFKA_BROKERS"],
            "security.protocol": "SASL_SSL",
            "ssl.ca.location": env["LETHE_TLS_CA_FILE"],
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": env["LETHE_KAFKA_SASL_USERNAME"],
            "sasl.password": env["LETHE_KAFKA_SASL_PASSWORD"],
            "group.id": "lethe-reader-verify-py",
            "enable.auto.commit": False,
            "isolation.level": "read_committed" if read_committed else "read_uncommitted",
        }
    )
    records, lows = [], {}
    try:
        metadata = consumer.list_topics(topic, timeout=30).topics.get(topic)
        if metadata is None or metadata.error is not None or not metadata.partitions:
            raise SystemExit(f"verify-py: cannot read topic {topic} ({metadata.error if metadata else 'no such topic'})")
        for partition in sorted(metadata.partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
            lows[partition] = low
            if high <= low:
                continue
            consumer.assign([TopicPartition(topic, partition, low)])
            position = low
            while position < high:
                message = consumer.poll(5)
                if message is None:
                    # read_committed stops at the last stable offset: transaction markers take offsets.
                    if read_committed:
                        break
                    continue
                if message.error():
                    continue
                records.append((partition, message.offset(), message.value()))
                position = message.offset() + 1
    finally:
        consumer.close()
    return records, lows


# RFC 9162 section 2.1: leaves 0x00 | data, nodes 0x01 | left | right, split at the largest power of two.
def leaf_hash(entry_hash):
    return hashlib.sha256(b"\x00" + entry_hash.encode()).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def roots_at(leaves, sizes):
    """The tree root of the first `size` leaves for each size asked, in one pass: the tree's
    right edge (one root per complete subtree) gives the root of every prefix."""
    wanted, roots, edge = set(sizes), {}, []
    for count, leaf in enumerate(leaves, start=1):
        subtree = (1, leaf)
        while edge and edge[-1][0] == subtree[0]:
            left = edge.pop()
            subtree = (left[0] * 2, node_hash(left[1], subtree[1]))
        edge.append(subtree)
        if count in wanted:
            root = edge[-1][1]
            for _, hash_ in reversed(edge[:-1]):
                root = node_hash(hash_, root)
            roots[count] = root
    return roots


class Report:
    def __init__(self):
        self.problems = []

    def add(self, kind, position, detail):
        self.problems.append({"kind": kind, "position": position, "detail": detail})


def check_ledger(report, decode, public_key):
    ledger = physical(LEDGER)
    records, _ = read_topic(ledger, read_committed=True)
    previous_seq, previous_hash = 0, GENESIS
    by_position, hash_by_seq, leaves, checkpoints, digest_by_event = {}, {}, [], [], {}
    for partition, offset, value in records:
        event = decode(ledger, value)
        data, position = event["data"], f"{ledger}/{partition}@{offset}"
        if event["envelope"]["type"] == "AuditEntry":
            seq, ref = data["seq"], data["eventRef"]
            fields = [seq, data["prevHash"], ref["topic"], ref["partition"], ref["offset"], ref["eventId"], ref["type"], data["eventDigest"]]
            if seq != previous_seq + 1:
                report.add("ledger-chain-broken", f"{position} seq {seq}", f"expected seq {previous_seq + 1}")
            elif data["prevHash"] != previous_hash:
                report.add("ledger-chain-broken", f"{position} seq {seq}", "prevHash does not match the entry before")
            elif sha256_text(js(fields).encode()) != data["entryHash"]:
                report.add("ledger-chain-broken", f"{position} seq {seq}", "entryHash does not match the entry")
            previous_seq, previous_hash = seq, data["entryHash"]
            hash_by_seq[seq] = data["entryHash"]
            leaves.append(leaf_hash(data["entryHash"]))
            by_position[(ref["topic"], ref["partition"], ref["offset"])] = (seq, data["eventDigest"])
            if ref["eventId"]:
                digest_by_event[ref["eventId"]] = data["eventDigest"]
        elif event["envelope"]["type"] == "AuditCheckpoint":
            checkpoints.append((position, data))
    roots = roots_at(leaves, [data["treeSize"] for _, data in checkpoints if data.get("treeSize") is not None])
    for position, data in checkpoints:
        seq, entry_hash, size, root = data["seq"], data["entryHash"], data.get("treeSize"), data.get("rootHash")
        signed = (
            f"lethe.audit.checkpoint.v2|{seq}|{entry_hash}|{size}|{root}"
            if size is not None
            else f"lethe.audit.checkpoint.v1|{seq}|{entry_hash}"
        ).encode()
        try:
            public_key.verify(bytes(data["signature"]), signed)
        except InvalidSignature:
            report.add("ledger-checkpoint-invalid", f"{position} seq {seq}", "the signature does not verify")
            continue
        if hash_by_seq.get(seq) != entry_hash:
            report.add("ledger-checkpoint-invalid", f"{position} seq {seq}", "the signed hash is not the ledger entry at that seq")
        elif size is not None and (size != seq or size not in roots or "sha256:" + roots[size].hex() != root):
            report.add("ledger-checkpoint-invalid", f"{position} seq {seq}", "the signed tree head is not the Merkle tree of the entries up to it")
    return by_position, digest_by_event, len(hash_by_seq), len(checkpoints)


def check_records(report, decode, by_position, digest_by_event):
    """Every audited record matches its entry's digest; returns the erasure and retention logs."""
    logs = {}
    seen = set()
    for logical in AUDITED:
        topic = physical(logical)
        records, lows = read_topic(topic)
        events = []
        for partition, offset, value in records:
            position = f"{topic}/{partition}@{offset}"
            seen.add((topic, partition, offset))
            entry = by_position.get((topic, partition, offset))
            digest = sha256_text(value or b"")
            if entry is None:
                # Not at its position: an outbox's second copy (same event id, same bytes) is fine.
                try:
                    event_id = str(decode(topic, value)["envelope"]["eventId"]) if value else None
                except Exception:  # not Avro: it cannot be a copy of a ledgered event
                    event_id = None
                known = digest_by_event.get(event_id)
                if known is None:
                    report.add("record-not-in-ledger", position, "no ledger entry for this record or its event id")
                elif known != digest:
                    report.add("record-forged", position, f"a copy of event {event_id} with other bytes")
            elif entry[1] != digest:
                report.add("record-altered", f"{position} seq {entry[0]}", "the record bytes differ from the digest in the ledger")
            if logical in ("lethe.erasure.events.v1", "lethe.retention.events.v1") and value:
                events.append((decode(topic, value), position))
        logs[logical] = events
        for (t, partition, offset), (seq, _) in by_position.items():
            if t == topic and (t, partition, offset) not in seen and offset >= lows.get(partition, 0) and logical not in COMPACTED:
                report.add("ledger-entry-without-record", f"{t}/{partition}@{offset} seq {seq}", "the ledger names a record the topic does not hold")
    return logs


def check_protocol(report, erasure_log, retention_log):
    """The erasure protocol's rules (docs/ledger-format.md names them with the TypeScript verifier)."""
    holds = {}
    for event, _ in retention_log:
        subject, data, kind = event["envelope"]["subjectId"], event["data"], event["envelope"]["type"]
        if kind == "LegalHoldPlaced":
            holds.setdefault(subject, {}).setdefault(
                data["holdId"], {"placed": ms(event["envelope"]["occurredAt"]), "released": None, "until": ms(data.get("until"))}
            )
        elif kind == "LegalHoldReleased":
            hold = holds.get(subject, {}).get(data["holdId"])
            if hold and hold["released"] is None:
                hold["released"] = ms(event["envelope"]["occurredAt"])
    requests, seen = {}, set()
    for event, position in erasure_log:
        envelope, data = event["envelope"], event["data"]
        request_id = data.get("requestId")
        event_id = str(envelope["eventId"])
        if not request_id or envelope["type"].startswith("Access") or event_id in seen:
            continue
        seen.add(event_id)
        request = requests.setdefault(request_id, {"requested": None, "ever": set(), "plan": set(), "issued": {}, "answered": set()})
        kind = envelope["type"]
        if kind == "ErasureRequested":
            request["requested"] = {"at": ms(data["requestedAt"]), "all": data["scope"]["all"]}
            continue
        if request["requested"] is None:
            report.add("request-never-requested", position, f"{kind} for request {request_id}, which was never requested")
        if kind == "ErasurePlanned":
            request["plan"] = {t["participantId"] for t in data["tasks"]}
            request["ever"] |= request["plan"]
        elif kind == "ErasureTaskIssued":
            request["issued"][data["participantId"]] = ms(envelope["occurredAt"])
        elif kind in ("ErasureTaskCompleted", "ErasureTaskFailed"):
            participant = data["participantId"]
            if participant not in request["ever"]:
                report.add("answer-from-unplanned-participant", position, f"{participant} answered request {request_id}, which never planned it")
            request["answered"].add(participant)
            if kind == "ErasureTaskCompleted" and data["outcome"] in ("erased", "anonymised"):
                issued = request["issued"].get(participant, ms(envelope["occurredAt"]))
                requested = request["requested"]["at"] if request["requested"] else issued
                for hold_id, hold in holds.get(envelope["subjectId"], {}).items():
                    ended = min(x for x in (hold["released"], hold["until"], float("inf")) if x is not None)
                    if hold["placed"] <= requested and ended > issued:
                        report.add("erased-under-legal-hold", position, f"{participant} erased while legal hold {hold_id} stood (request {request_id})")
                        break
                if participant == "key-vault" and not (request["requested"] and request["requested"]["all"]):
                    report.add("key-destroyed-without-whole-account-request", position, f"the subject's key was destroyed for request {request_id}")
        elif kind == "ErasureCompleted":
            # Never answered: allowed only as a failed outcome (a partial that says so).
            failed = {o["participantId"] for o in data.get("outcomes", []) if o.get("outcome") == "failed"}
            unanswered = sorted(request["plan"] - request["answered"] - failed)
            if unanswered:
                report.add("completed-before-participants-answered", position, f"request {request_id} completed while {', '.join(unanswered)} had not answered")


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old_size, new_size, proof, old_root, new_root):
    """RFC 9162 section 2.1.4.2."""
    if old_size < 1 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = [old_root] + proof if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def head_signed(head, public_key):
    """A version-2 checkpoint signature over the head, whose size is its seq."""
    signed = f"lethe.audit.checkpoint.v2|{head['seq']}|{head['entryHash']}|{head['size']}|{head['rootHash']}".encode()
    try:
        public_key.verify(base64.b64decode(head["signature"]), signed)
    except InvalidSignature:
        return False
    return head["size"] == head["seq"]


def check_consistency(proof, public_key):
    """The three steps of docs/ledger-format.md, "Consistency proofs"; returns what fails."""
    problems = []
    old, new = proof["from"], proof["to"]
    for name, head in (("older", old), ("newer", new)):
        if not head_signed(head, public_key):
            problems.append(f"the {name} tree head is not signed by this key")
    root = lambda head: bytes.fromhex(head["rootHash"].removeprefix("sha256:"))
    if not verify_consistency(old["size"], new["size"], [bytes.fromhex(h) for h in proof["proof"]], root(old), root(new)):
        problems.append("the proof does not show the newer tree extends the older")
    return problems


def check_receipt(receipt, public_key):
    """The five steps of docs/ledger-format.md, "Receipts"; returns what fails."""
    problems = []
    head, entry, record, certificate = receipt["treeHead"], receipt["entry"], receipt["record"], receipt["certificate"]
    signed = f"lethe.audit.checkpoint.v2|{head['seq']}|{head['entryHash']}|{head['size']}|{head['rootHash']}".encode()
    try:
        public_key.verify(base64.b64decode(head["signature"]), signed)
        if head["size"] != head["seq"]:
            problems.append("the tree head's size is not its seq")
    except InvalidSignature:
        problems.append("the tree head is not signed by this key")
    ref = entry["eventRef"]
    fields = [entry["seq"], entry["prevHash"], ref["topic"], ref["partition"], ref["offset"], ref["eventId"], ref["type"], entry["eventDigest"]]
    if sha256_text(js(fields).encode()) != entry["entryHash"]:
        problems.append("the ledger entry does not hash to its entryHash")
    if entry["leafIndex"] != entry["seq"] - 1 or entry["seq"] > head["size"]:
        problems.append("the entry is not a leaf of the signed tree")
    elif not verify_inclusion(
        leaf_hash(entry["entryHash"]),
        entry["leafIndex"],
        head["size"],
        [bytes.fromhex(h) for h in entry["proof"]],
        bytes.fromhex(head["rootHash"].removeprefix("sha256:")),
    ):
        problems.append("the inclusion proof does not lead to the signed root")
    value = base64.b64decode(record["value"])
    if (ref["topic"], ref["partition"], ref["offset"]) != (record["topic"], record["partition"], record["offset"]) or ref["type"] != "ErasureCompleted":
        problems.append("the ledger entry is not this ErasureCompleted record")
    if sha256_text(value) != entry["eventDigest"]:
        problems.append("the record is not the one the ledger entry digests")
    if sha256_text(certificate["json"].encode()) != certificate["digest"]:
        problems.append("the certificate does not hash to its digest")
    for text in (certificate["json"], certificate["digest"], receipt["requestId"]):
        if text.encode() not in value:
            problems.append("the record does not carry the certificate and request id")
            break
    return problems


def main():
    public_key = load_der_public_key(base64.b64decode(env["LETHE_AUDIT_PUBLIC_KEY"]))
    if len(sys.argv) == 3 and sys.argv[1] in ("--receipt", "--consistency"):
        check = check_receipt if sys.argv[1] == "--receipt" else check_consistency
        with open(sys.argv[2], encoding="utf-8") as file:
            problems = check(json.load(file), public_key)
        print(json.dumps({"ok": not problems, "problems": problems}, indent=2))
        return 0 if not problems else 1
    registry = SchemaRegistryClient({"url": env["LETHE_REGISTRY_URL"], "ssl.ca.location": env["LETHE_TLS_CA_FILE"]})
    deserialize = AvroDeserializer(registry)

    def decode(topic, value):
        return deserialize(value, SerializationContext(topic, MessageField.VALUE))

    report = Report()
    by_position, digest_by_event, entries, checkpoints = check_ledger(report, decode, public_key)
    logs = check_records(report, decode, by_position, digest_by_event)
    check_protocol(report, logs["lethe.erasure.events.v1"], logs["lethe.retention.events.v1"])
    summary = {
        "ok": not report.problems,
        "entries": entries,
        "checkpoints": checkpoints,
        "erasureEvents": len(logs["lethe.erasure.events.v1"]),
        "holdEvents": len(logs["lethe.retention.events.v1"]),
        "problems": report.problems,
    }
    print(json.dumps(summary, indent=2))
    return 0 if not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
