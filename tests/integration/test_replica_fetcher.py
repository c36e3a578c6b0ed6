"""The replica fetcher on a 3-broker cluster (issue 6): followers copy their leaders' logs byte for
byte (acks=1, so nothing waits for them), with one and with several fetchers per leader, and log
their fetchers' start in server.log."""

import pytest

import clients
import harness


def _log_bytes(broker, topic, partition):
    """Every `.log` segment file of one replica, concatenated in offset order."""
    d = broker.partition_dir(topic, partition)
    return b"".join(seg.read_bytes() for seg in sorted(d.glob("*.log")))


def _wait_identical_logs(c, topic, partitions, end_offsets, timeout=60):
    """Waits until, for every partition, all three replicas' .log files are byte-identical and hold
    whole batches up to the partition's end offset; returns {partition: size of the log bytes}."""
    def same():
        sizes = {}
        for p in range(partitions):
            copies = {i: _log_bytes(b, topic, p) for i, b in c.brokers.items()}
            first = copies[0]
            if any(data != first for data in copies.values()):
                return None
            _, covered = harness.log_prefix(c[0].partition_dir(topic, p), end_offsets[p] + 1)
            if covered != end_offsets[p]:
                return None
            sizes[p] = len(first)
        return sizes
    return harness.wait_until(same, timeout, 0.3, f"identical .log bytes of {topic} on every broker")


def _replicate_and_compare(c, topic, partitions, codec):
    clients.create_topic(c.bootstrap, topic, partitions=partitions, replication=3)
    clients.wait_topic_ready(c.bootstrap, topic, partitions)
    records = clients.make_records(30_000, topic)
    delivered = clients.confluent_produce(c.bootstrap, topic, records, codec=codec, acks="1")
    end_offsets = {p: 0 for p in range(partitions)}
    for p, offset in delivered.values():
        end_offsets[p] = max(end_offsets[p], offset + 1)
    assert all(end_offsets[p] > 0 for p in range(partitions)), end_offsets
    sizes = _wait_identical_logs(c, topic, partitions, end_offsets)
    assert all(size > 0 for size in sizes.values()), sizes
    # Followers also learn the high watermark: every replica is in the ISR and the leaders answer
    # ListOffsets "latest" with the whole log.
    for p in range(partitions):
        harness.wait_isr(c.zk, topic, p, lambda isr: isr == [0, 1, 2], 30)
    hws = clients.high_watermarks(c.bootstrap, topic, list(range(partitions)))
    assert hws == end_offsets, (hws, end_offsets)
    return records, delivered


@pytest.mark.timeout(600)
def test_followers_hold_identical_log_bytes(cluster_factory):
    c = cluster_factory()
    records, delivered = _replicate_and_compare(c, "fetched", 3, "lz4")
    # More data after the followers caught up: long-polling fetchers pick it up.
    more = clients.make_records(5_000, "fetched-more")
    delivered_more = clients.confluent_produce(c.bootstrap, "fetched", more, codec="none", acks="1")
    end_offsets = {p: 0 for p in range(3)}
    for p, offset in list(delivered.values()) + list(delivered_more.values()):
        end_offsets[p] = max(end_offsets[p], offset + 1)
    _wait_identical_logs(c, "fetched", 3, end_offsets)
    for i, b in c.brokers.items():
        text = b.log_text()
        assert f"[ReplicaFetcher replicaId={i}, leaderId=" in text, f"broker {i} started no replica fetcher"


@pytest.mark.timeout(600)
def test_several_fetchers_per_leader(cluster_factory):
    c = cluster_factory(extra_props={"num.replica.fetchers": "3"})
    _replicate_and_compare(c, "spread", 6, "zstd")
    # Broker 0 follows 4 partitions (6 partitions, RF 3 on 3 brokers: it leads 2) spread over
    # fetcher ids by Kafka's hash; more than one fetcher id shows up in its log.
    text = c[0].log_text()
    ids = {fid for fid in range(3) if f"fetcherId={fid}] Starting" in text}
    assert len(ids) >= 2, f"broker 0 started fetchers {sorted(ids)}"
