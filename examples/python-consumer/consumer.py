#!/usr/bin/env python3
"""An internal service that consumes Sightline's events: a per-visitor event count.

It reads events.enriched.v1 and erasures.v1 of a Sightline deployment, validates every record
(key, value and headers) against the published JSON Schemas, keeps how many events each
visitor sent in SQLite, folds merged visitors into their canonical visitor, and applies
erasures. The rules it follows are the consumer guide's (docs/consuming.md):

- at-least-once: a batch's effects and its dedupe keys (projectId, messageId) are one SQLite
  transaction, and the Kafka offsets are committed only after that transaction, so a crash
  re-delivers and the dedupe table skips what was already counted;
- a record that fails its schema is kept in the `invalid` table with the reason, never
  silently dropped, and the partition moves on;
- merges: an event with mergedVisitorIndexes moves the absorbed visitors' counts into its
  visitorIndex, and events of an absorbed index that arrive later count for the canonical one;
- erasures: the visitor (found by visitorIndexes, and by idHashes when ERASURE_ID_SECRET is
  given) is deleted with its ids and dedupe rows, and its index is remembered as erased so that
  a late or re-delivered event of the person is not counted again.

Usage:
  consumer.py run   [--db counts.sqlite] [--schemas DIR]   (until SIGTERM/SIGINT)
  consumer.py dump  [--db counts.sqlite]                    (counts, merges, erasures, refused records as JSON)
Environment: KAFKA_BROKERS (127.0.0.1:9092), TOPIC_NAMESPACE (sightline.), GROUP_ID
(sightline.consumer.example-python), ERASURE_ID_SECRET (optional), and for a broker with SASL/SCRAM:
KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SASL_MECHANISM (SCRAM-SHA-512),
KAFKA_SECURITY_PROTOCOL (SASL_PLAINTEXT).
"""
import argparse
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import sys
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, KafkaException
from jsonschema import Draft202012Validator

HERE = Path(__file__).resolve().parent
DEFAULT_SCHEMAS = HERE.parent.parent / "libs" / "contracts" / "schemas"
EVENTS = "events.enriched.v1"
ERASURES = "erasures.v1"
BATCH = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS visitors (project_id TEXT, visitor_index INTEGER, events INTEGER NOT NULL, PRIMARY KEY (project_id, visitor_index));
CREATE TABLE IF NOT EXISTS visitor_ids (project_id TEXT, visitor_index INTEGER, id TEXT, PRIMARY KEY (project_id, visitor_index, id));
CREATE TABLE IF NOT EXISTS merges (project_id TEXT, absorbed INTEGER, into_index INTEGER NOT NULL, PRIMARY KEY (project_id, absorbed));
CREATE TABLE IF NOT EXISTS seen (project_id TEXT, message_id TEXT, visitor_index INTEGER NOT NULL, PRIMARY KEY (project_id, message_id));
CREATE TABLE IF NOT EXISTS erased (project_id TEXT, visitor_index INTEGER, PRIMARY KEY (project_id, visitor_index));
CREATE TABLE IF NOT EXISTS invalid (topic TEXT, partition INTEGER, "offset" INTEGER, reason TEXT NOT NULL, PRIMARY KEY (topic, partition, "offset"));
"""


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    return db


def load_validator(schemas, topic):
    schema = json.loads((Path(schemas) / f"{topic}.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(validator, record):
    """Every schema violation of a record, as 'path: message'; empty when it is valid."""
    out = []
    for error in sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path) or "(record)"
        out.append(f"{path}: {error.message[:200]}")
    return out


def decode(message):
    """The record as the schemas describe it: {key, value, headers}, or (None, reason)."""
    try:
        value = json.loads(message.value()) if message.value() is not None else None
    except ValueError as err:
        return None, f"value: invalid JSON: {err}"
    try:
        key = message.key().decode("utf-8") if message.key() is not None else None
        headers = {name: (raw.decode("utf-8") if raw is not None else "") for name, raw in (message.headers() or [])}
    except UnicodeDecodeError as err:
        return None, f"key or headers: not UTF-8: {err}"
    return {"key": key, "value": value, "headers": headers}, None


class Counts:
    """The per-visitor counts in SQLite; every method runs inside the caller's transaction."""

    def __init__(self, db, erasure_secret=None):
        self.db = db
        self.secret = erasure_secret.encode() if erasure_secret else None

    def canonical(self, project, index):
        for _ in range(1000):
            row = self.db.execute("SELECT into_index FROM merges WHERE project_id = ? AND absorbed = ?", (project, index)).fetchone()
            if row is None:
                return index
            index = row[0]
        raise RuntimeError(f"merge chain of {project}:{index} does not end")

    def is_erased(self, project, index):
        return self.db.execute("SELECT 1 FROM erased WHERE project_id = ? AND visitor_index = ?", (project, index)).fetchone() is not None

    def merge(self, project, absorbed, into):
        """Moves the absorbed visitors' counts, ids and dedupe rows to `into` (idempotent)."""
        for index in absorbed:
            if index == into:
                continue
            self.db.execute("INSERT OR IGNORE INTO merges VALUES (?, ?, ?)", (project, index, into))
            row = self.db.execute("DELETE FROM visitors WHERE project_id = ? AND visitor_index = ? RETURNING events", (project, index)).fetchone()
            if row is not None:
                self.add(project, into, row[0])
            self.db.execute("UPDATE OR IGNORE visitor_ids SET visitor_index = ? WHERE project_id = ? AND visitor_index = ?", (into, project, index))
            self.db.execute("DELETE FROM visitor_ids WHERE project_id = ? AND visitor_index = ?", (project, index))
            self.db.execute("UPDATE seen SET visitor_index = ? WHERE project_id = ? AND visitor_index = ?", (into, project, index))

    def add(self, project, index, events):
        self.db.execute(
            "INSERT INTO visitors VALUES (?, ?, ?) ON CONFLICT (project_id, visitor_index) DO UPDATE SET events = events + excluded.events",
            (project, index, events),
        )

    def count(self, event):
        """Counts one event once: its (projectId, messageId) is the dedupe key."""
        project = event["projectId"]
        if event["mergedVisitorIndexes"]:
            self.merge(project, event["mergedVisitorIndexes"], event["visitorIndex"])
        index = self.canonical(project, event["visitorIndex"])
        if self.is_erased(project, index):
            return
        if self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (project, event["messageId"], index)).rowcount == 0:
            return
        self.add(project, index, 1)
        for id_ in {event["visitorId"], event["userId"], event["anonymousId"]} - {None}:
            self.db.execute("INSERT OR IGNORE INTO visitor_ids VALUES (?, ?, ?)", (project, index, id_))

    def id_hash(self, project, id_):
        return hmac.new(self.secret, f"{project}\n{id_}".encode(), hashlib.sha256).hexdigest()

    def apply_erasure(self, erasure):
        project = erasure["projectId"]
        indexes = {self.canonical(project, i) for i in erasure.get("visitorIndexes") or []}
        wanted = set(erasure.get("idHashes") or [])
        plain = set(erasure.get("visitorIds") or [])  # records written before 2026-12-03
        for index, id_ in self.db.execute("SELECT visitor_index, id FROM visitor_ids WHERE project_id = ?", (project,)).fetchall():
            if id_ in plain or (self.secret and wanted and self.id_hash(project, id_) in wanted):
                indexes.add(index)
        self.erase(project, indexes)
        return indexes

    def erase(self, project, indexes):
        """Deletes the visitors and everything merged into them; remembers their indexes as erased."""
        pending = set(indexes)
        while pending:
            index = pending.pop()
            pending |= {r[0] for r in self.db.execute("SELECT absorbed FROM merges WHERE project_id = ? AND into_index = ?", (project, index))}
            for table in ("visitors", "visitor_ids", "seen"):
                self.db.execute(f"DELETE FROM {table} WHERE project_id = ? AND visitor_index = ?", (project, index))
            self.db.execute("INSERT OR IGNORE INTO erased VALUES (?, ?)", (project, index))


def kafka_config(group):
    config = {
        "bootstrap.servers": os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092"),
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        # Sightline may write events.enriched in transactions (EXACTLY_ONCE_OUTPUT): read committed only.
        "isolation.level": "read_committed",
    }
    if os.environ.get("KAFKA_SASL_USERNAME"):
        config.update({
            "security.protocol": os.environ.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
            "sasl.mechanism": os.environ.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            "sasl.username": os.environ["KAFKA_SASL_USERNAME"],
            "sasl.password": os.environ["KAFKA_SASL_PASSWORD"],
        })
    return config


def handle(counts, validators, namespace, message):
    """One record inside the batch's transaction."""
    topic = message.topic()[len(namespace):]
    record, reason = decode(message)
    found = [reason] if reason else problems(validators[topic], record)
    if found:
        counts.db.execute("INSERT OR IGNORE INTO invalid VALUES (?, ?, ?, ?)", (message.topic(), message.partition(), message.offset(), "; ".join(found)))
        log("invalid_record", topic=message.topic(), partition=message.partition(), offset=message.offset(), reason=found)
        return
    if topic == EVENTS:
        counts.count(record["value"])
    else:
        erased = counts.apply_erasure(record["value"])
        log("erasure_applied", project=record["value"]["projectId"], request=record["value"]["requestId"], visitor_indexes=sorted(erased))


def log(event, **fields):
    print(json.dumps({"event": event, **fields}), file=sys.stderr, flush=True)


def run(args):
    namespace = os.environ.get("TOPIC_NAMESPACE", "sightline.")
    validators = {topic: load_validator(args.schemas, topic) for topic in (EVENTS, ERASURES)}
    db = open_db(args.db)
    counts = Counts(db, os.environ.get("ERASURE_ID_SECRET"))
    consumer = Consumer(kafka_config(os.environ.get("GROUP_ID", "sightline.consumer.example-python")))
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    consumer.subscribe([namespace + EVENTS, namespace + ERASURES], on_assign=lambda _c, parts: log("assigned", partitions=len(parts)))
    log("started", topics=[namespace + EVENTS, namespace + ERASURES])
    try:
        while not stopping:
            messages = consumer.consume(BATCH, timeout=0.5)
            batch = []
            for message in messages:
                if message.error() is None:
                    batch.append(message)
                elif message.error().code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(message.error())
            if not batch:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                for message in batch:
                    handle(counts, validators, namespace, message)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            # Only now: the batch's effects are durable, so its offsets may be committed. A commit
            # refused (a rebalance took the partition, the broker is away) only means that the
            # batch comes again, to this member or another, and `seen` skips it.
            try:
                consumer.commit(asynchronous=False)
            except KafkaException as err:
                log("commit_failed", error=str(err))
    finally:
        consumer.close()
        db.close()


def dump(args):
    if not Path(args.db).exists():
        sys.exit(f"{args.db}: no such database (has `run` started?)")
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    out = {}
    for project, index, events in db.execute("SELECT project_id, visitor_index, events FROM visitors ORDER BY 1, 2"):
        ids = sorted(r[0] for r in db.execute("SELECT id FROM visitor_ids WHERE project_id = ? AND visitor_index = ?", (project, index)))
        out.setdefault(project, {})[str(index)] = {"events": events, "ids": ids}
    invalid = [dict(zip(("topic", "partition", "offset", "reason"), row)) for row in db.execute('SELECT * FROM invalid ORDER BY 1, 2, 3')]
    erased = [list(row) for row in db.execute("SELECT project_id, visitor_index FROM erased ORDER BY 1, 2")]
    merges = [list(row) for row in db.execute("SELECT project_id, absorbed, into_index FROM merges ORDER BY 1, 2")]
    print(json.dumps({"visitors": out, "merges": merges, "erased": erased, "invalid": invalid}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["run", "dump"])
    parser.add_argument("--db", default="counts.sqlite")
    parser.add_argument("--schemas", default=str(DEFAULT_SCHEMAS))
    args = parser.parse_args()
    run(args) if args.command == "run" else dump(args)


if __name__ == "__main__":
    main()
