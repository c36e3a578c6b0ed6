"""Broker restarts: a clean SIGTERM keeps every record and leaves trimmed indexes; SIGKILL recovers."""

import json
import signal

import clients
import harness


def _segment_files(broker, topic, partitions):
    files = {}
    for p in range(partitions):
        for f in broker.partition_dir(topic, p).iterdir():
            files[f"{topic}-{p}/{f.name}"] = f.stat().st_size
    return files


def test_clean_restart_keeps_every_record(broker, zk):
    clients.create_topic(broker.bootstrap, "durable", partitions=3)
    clients.wait_topic_ready(broker.bootstrap, "durable", 3)
    records = clients.make_records(30_000, "restart")
    delivered = clients.confluent_produce(broker.bootstrap, "durable", records, codec="snappy", acks="all")
    assert zk.exists("/brokers/ids/0")

    code = broker.stop(signal.SIGTERM)
    assert code == 0, f"SIGTERM exit code {code}"
    # Deregistered at once (not after the session timeout).
    assert not zk.exists("/brokers/ids/0")
    assert (broker.log_dir / ".kafka_cleanshutdown").exists()
    files = _segment_files(broker, "durable", 3)
    indexes = {k: v for k, v in files.items() if k.endswith(".index")}
    timeindexes = {k: v for k, v in files.items() if k.endswith(".timeindex")}
    assert len(indexes) == 3 and len(timeindexes) == 3, files
    for name, size in indexes.items():
        assert size % 8 == 0 and size < 64 * 1024, f"{name}: {size} bytes (untrimmed?)"
    for name, size in timeindexes.items():
        assert size % 12 == 0 and size < 64 * 1024, f"{name}: {size} bytes (untrimmed?)"
    # ~1 MB of data per partition at one index entry per 4 KiB must have produced entries.
    assert all(size > 0 for size in indexes.values()), indexes
    # The checkpoint files name every partition with its log end offset.
    recovery = (broker.log_dir / "recovery-point-offset-checkpoint").read_text().split("\n")
    assert recovery[0] == "0"
    ends = {}
    for line in recovery[2:2 + int(recovery[1])]:
        t, p, o = line.split(" ")
        ends[(t, int(p))] = int(o)
    per_partition = {}
    for part, _ in delivered.values():
        per_partition[part] = per_partition.get(part, 0) + 1
    assert {p: ends.get(("durable", p)) for p in range(3)} == {p: per_partition.get(p, 0) for p in range(3)}

    broker.start()
    assert not (broker.log_dir / ".kafka_cleanshutdown").exists(), "marker must be removed once logs load"
    assert json.loads(zk.get("/brokers/ids/0"))["port"] == broker.port
    clients.wait_topic_ready(broker.bootstrap, "durable", 3)
    consumed = clients.confluent_consume(broker.bootstrap, "durable", [0, 1, 2], len(records))
    clients.compare_consumed(records, consumed, delivered)

    # Appends continue at the old end offsets.
    more = clients.make_records(100, "after")
    delivered2 = clients.confluent_produce(broker.bootstrap, "durable", more, partition=0)
    assert sorted(o for _, o in delivered2.values()) == list(range(per_partition[0], per_partition[0] + 100))


def test_kill9_restart_recovers_acknowledged_records(broker, zk):
    clients.create_topic(broker.bootstrap, "crashy", partitions=2)
    clients.wait_topic_ready(broker.bootstrap, "crashy", 2)
    records = clients.make_records(20_000, "crash")
    delivered = clients.confluent_produce(broker.bootstrap, "crashy", records, codec="zstd", acks="all")
    broker.kill9()
    assert not (broker.log_dir / ".kafka_cleanshutdown").exists()
    # The dead session's ephemeral /brokers/ids/0 lingers until the session expires (6 s here). Like
    # Kafka, the broker refuses to start while another session holds its id, so wait it out.
    harness.wait_until(lambda: not zk.exists("/brokers/ids/0"), 30, 0.2, "the dead session to expire")
    broker.start()
    clients.wait_topic_ready(broker.bootstrap, "crashy", 2)
    consumed = clients.confluent_consume(broker.bootstrap, "crashy", [0, 1], len(records))
    clients.compare_consumed(records, consumed, delivered)
    harness.wait_until(lambda: zk.exists("/brokers/ids/0"), 30, 0.2, "re-registration")
