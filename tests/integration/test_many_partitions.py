"""Many partitions on one broker under Debian's default open-file limit (issue 3 item 8).

The broker runs with `ulimit -n 1024`; a few thousand partitions are created, written (several
segments each for some), and read back after a clean restart, while /proc/<pid>/fd stays below the
limit. docs/PERFORMANCE.md ("Many partitions") has the 10,000-partition startup figure, measured
with the unit test many_partitions.clean_startup_is_bounded_in_descriptors.

GREGOR_MANY_TOPICS / GREGOR_MANY_PARTITIONS_PER_TOPIC scale it (default 4 x 500 = 2,000)."""

import os
import time
from collections import Counter

import clients
import wire

FD_LIMIT = 1024
TOPICS = int(os.environ.get("GREGOR_MANY_TOPICS", "4"))
PER_TOPIC = int(os.environ.get("GREGOR_MANY_PARTITIONS_PER_TOPIC", "500"))


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def soft_nofile(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no 'Max open files' line")


def test_thousands_of_partitions_within_1024_descriptors(broker_factory):
    started = time.monotonic()
    b = broker_factory(start=False, extra_props={"log.segment.bytes": "1024", "num.io.threads": "2"})
    b.command_prefix = ["bash", "-c", f'ulimit -n {FD_LIMIT} && exec "$0" "$@"']
    b.start()
    assert soft_nofile(b.proc.pid) == FD_LIMIT
    assert f"keeping at most {FD_LIMIT // 2} segment files open" in b.log_text()

    topics = [f"many-{t}" for t in range(TOPICS)]
    for t in topics:
        clients.create_topic(b.bootstrap, t, partitions=PER_TOPIC, timeout=60)
    for t in topics:
        clients.wait_topic_ready(b.bootstrap, t, PER_TOPIC, timeout=60)
    created = time.monotonic()

    # Keyed records spread over every partition; a second round for the first topic rolls
    # segments (1 KiB segments), so sealed segments exist for the restart.
    expected = Counter()
    for t in topics:
        rounds = 2 if t == topics[0] else 1
        for rnd in range(rounds):
            records = clients.make_records(PER_TOPIC * 3, f"{t}-{rnd}", header_every=0)
            for _, (p, _) in clients.confluent_produce(b.bootstrap, t, records).items():
                expected[(t, p)] += 1
    assert fd_count(b.proc.pid) < FD_LIMIT
    written = time.monotonic()

    assert b.stop() == 0
    b.start(timeout=90)
    restarted = time.monotonic()
    pid = b.proc.pid
    assert fd_count(pid) < FD_LIMIT

    segments = sum(1 for _ in b.partition_dir(topics[0], 0).glob("*.log"))
    wire.wait_for_leader(b.bootstrap, topics[-1], PER_TOPIC, timeout=60)
    conn = wire.Connection(b.bootstrap, timeout=30)
    bad = []
    try:
        for t in topics:
            for p in range(PER_TOPIC):
                r = wire.fetch_v4(conn, t, p, 0, max_bytes=64 * 1024)
                want = expected[(t, p)]
                if r["error_code"] != 0 or r["high_watermark"] != want or (want > 0 and not r["records"]):
                    bad.append((t, p, r["error_code"], r["high_watermark"], want))
    finally:
        conn.close()
    assert not bad, f"{len(bad)} partitions not readable as written, first: {bad[:5]}"
    fds = fd_count(pid)
    assert fds < FD_LIMIT, f"broker holds {fds} descriptors"
    print(f"\n{TOPICS * PER_TOPIC} partitions ({segments} segments in {topics[0]}-0): create "
          f"{created - started:.1f} s, produce {written - created:.1f} s, restart {restarted - written:.1f} s, "
          f"read all {time.monotonic() - restarted:.1f} s; {fds} fds open after reading every partition")
