"""DeleteTopics: the topic leaves metadata, the log dirs and ZooKeeper."""

import time

from confluent_kafka import KafkaError

import clients
import harness
import wire


def _partition_dirs(broker, topic):
    if not broker.log_dir.exists():
        return []
    # Matches "<topic>-<n>" and the "<topic>-<n>.<uuid>-delete" form of a dir pending removal.
    return sorted(p.name for p in broker.log_dir.iterdir()
                  if p.is_dir() and p.name.startswith(topic + "-") and p.name[len(topic) + 1:][:1].isdigit())


def test_delete_topic_everywhere(broker, zk):
    clients.create_topic(broker.bootstrap, "doomed", partitions=3)
    clients.create_topic(broker.bootstrap, "kept", partitions=1)
    clients.wait_topic_ready(broker.bootstrap, "doomed", 3)
    recs = clients.make_records(3000, "del")
    clients.confluent_produce(broker.bootstrap, "doomed", recs)
    clients.confluent_produce(broker.bootstrap, "kept", recs[:10])
    assert _partition_dirs(broker, "doomed") == ["doomed-0", "doomed-1", "doomed-2"]
    assert zk.exists("/brokers/topics/doomed")

    a = clients.admin(broker.bootstrap)
    fs = a.delete_topics(["doomed"], operation_timeout=30, request_timeout=30)
    fs["doomed"].result(30)

    def gone():
        md = wire.metadata_v1(broker.bootstrap, None)  # null list: does not auto-create
        names = {t["name"] for t in md["topics"]}
        return "doomed" not in names and not zk.exists("/brokers/topics/doomed") and \
            not _partition_dirs(broker, "doomed")
    harness.wait_until(gone, 30, 0.2, "topic 'doomed' to disappear")
    assert not zk.exists("/admin/delete_topics/doomed")
    assert not zk.exists("/config/topics/doomed")
    # The other topic is untouched.
    assert {t["name"] for t in wire.metadata_v1(broker.bootstrap, None)["topics"]} == {"kept"}
    assert _partition_dirs(broker, "kept") == ["kept-0"]
    consumed = clients.confluent_consume(broker.bootstrap, "kept", [0], 10)
    assert len(consumed) == 10

    # Deleting it again: UNKNOWN_TOPIC_OR_PARTITION.
    fs = a.delete_topics(["doomed"], operation_timeout=30, request_timeout=30)
    exc = fs["doomed"].exception(30)
    assert exc is not None and exc.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_recreate_after_delete_starts_empty(broker, zk):
    clients.create_topic(broker.bootstrap, "phoenix", partitions=1)
    clients.wait_topic_ready(broker.bootstrap, "phoenix", 1)
    clients.confluent_produce(broker.bootstrap, "phoenix", clients.make_records(500, "old"))
    a = clients.admin(broker.bootstrap)
    a.delete_topics(["phoenix"], operation_timeout=30)["phoenix"].result(30)
    harness.wait_until(lambda: not zk.exists("/brokers/topics/phoenix") and not _partition_dirs(broker, "phoenix"),
                       30, 0.2, "deletion")
    # Re-creating can race the tail of the deletion; retry briefly on TOPIC_ALREADY_EXISTS.
    deadline = time.monotonic() + 20
    while True:
        try:
            clients.create_topic(broker.bootstrap, "phoenix", partitions=2)
            break
        except Exception:  # noqa: BLE001
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    clients.wait_topic_ready(broker.bootstrap, "phoenix", 2)
    with wire.Connection(broker.bootstrap) as c:
        latest = wire.list_offsets_v1(c, "phoenix", {0: -1, 1: -1})
    assert {p: (e, o) for p, (e, _, o) in latest.items()} == {0: (0, 0), 1: (0, 0)}
    new = clients.make_records(50, "new")
    clients.confluent_produce(broker.bootstrap, "phoenix", new, partition=1)
    got = clients.confluent_consume(broker.bootstrap, "phoenix", [0, 1], 50)
    assert sorted(m[2] for m in got) == sorted(r.key for r in new)
