"""kafka-consumer-groups.sh (scripts/, running gregor-consumer-groups from $GREGOR_BUILD_DIR/bin)
against groups driven by real clients: --list, --describe (offsets with lag, --members, --state),
--reset-offsets (a stopped group moves, an active one is refused), --delete-offsets and --delete,
with Kafka's table layouts."""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

import clients
import harness

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "kafka-consumer-groups.sh"


@pytest.fixture(scope="module", autouse=True)
def tool_present():
    binary = harness.gregor_binary().parent / "gregor-consumer-groups"
    assert binary.exists(), f"{binary} missing (build gregor-consumer-groups first)"


def groups_tool(*args, timeout=60):
    env = dict(os.environ)
    env["GREGOR_BUILD_DIR"] = str(harness.gregor_binary().parent.parent)
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, env=env)


def table(stdout, header_start):
    """The table whose header starts with `header_start`: (column names, [row dicts]). Columns are
    cut at the header's column starts, so this also checks that every row is aligned with it."""
    lines = stdout.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            break
    else:
        raise AssertionError(f"no table starting with {header_start!r} in:\n{stdout}")
    header = lines[i]
    starts = [m.start() for m in re.finditer(r"\S+(?: \(ID\))?", header)]
    names = [header[s:e].strip() for s, e in zip(starts, starts[1:] + [None])]
    rows = []
    for line in lines[i + 1:]:
        if not line.strip():
            break
        cells = []
        for k, (s, e) in enumerate(zip(starts, starts[1:] + [None])):
            # Each column but the last ends with a space before the next one starts.
            if e is not None:
                assert line[e - 1] == " ", f"row not aligned with the header:\n{header}\n{line}"
            cells.append(line[s:e].strip())
        rows.append(dict(zip(names, cells)))
    return names, rows


def _topic(bootstrap, name, partitions):
    clients.create_topic(bootstrap, name, partitions=partitions)
    clients.wait_topic_ready(bootstrap, name, partitions)


def _wait_committed(bootstrap, group, topic, ends, timeout=60):
    clients._wait(lambda: clients.committed_offsets(bootstrap, group, topic, sorted(ends)) == ends, timeout,
                  f"{group} to commit {ends}")


def test_describe_list_and_state_of_a_confluent_group(broker):
    bs, topic, group = broker.bootstrap, "described", "tool-g"
    _topic(bs, topic, 6)
    ends = clients.produce_sequence(bs, topic, range(6), 10, "a")
    log = clients.EventLog()
    members = [clients.ConfluentMember(name, bs, group, [topic], log) for name in ("m1", "m2")]
    for m in members:
        m.start()
    try:
        clients.wait_assignments(members, range(6))
        _wait_committed(bs, group, topic, ends)

        res = groups_tool("--bootstrap-server", bs, "--describe", "--group", group)
        assert res.returncode == 0, res.stderr
        assert res.stdout.startswith("\nGROUP "), res.stdout
        names, rows = table(res.stdout, "GROUP ")
        assert names == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                         "HOST", "CLIENT-ID"]
        assert sorted(int(r["PARTITION"]) for r in rows) == list(range(6))
        owners = {}
        for r in rows:
            p = int(r["PARTITION"])
            assert (r["GROUP"], r["TOPIC"]) == (group, topic)
            assert (int(r["CURRENT-OFFSET"]), int(r["LOG-END-OFFSET"]), int(r["LAG"])) == (ends[p], ends[p], 0)
            assert r["HOST"].startswith("/"), r
            assert r["CONSUMER-ID"].startswith(r["CLIENT-ID"] + "-"), r
            owners[p] = r["CLIENT-ID"]
        by_member = {m.member: sorted(m.assignment) for m in members}
        assert {name: sorted(p for p, o in owners.items() if o == name) for name in by_member} == by_member

        res = groups_tool("--bootstrap-server", bs, "--describe", "--group", group, "--members", "--verbose")
        assert res.returncode == 0, res.stderr
        names, rows = table(res.stdout, "GROUP ")
        assert names == ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"]
        got = {r["CLIENT-ID"]: (int(r["#PARTITIONS"]), r["ASSIGNMENT"]) for r in rows}
        assert got == {name: (len(ps), f"{topic}({','.join(map(str, ps))})") for name, ps in by_member.items()}

        res = groups_tool("--bootstrap-server", bs, "--describe", "--group", group, "--state")
        assert res.returncode == 0, res.stderr
        names, rows = table(res.stdout, "GROUP ")
        assert names == ["GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"]
        assert len(rows) == 1
        assert (rows[0]["GROUP"], rows[0]["ASSIGNMENT-STRATEGY"], rows[0]["STATE"], rows[0]["#MEMBERS"]) == \
            (group, "range", "Stable", "2")
        assert rows[0]["COORDINATOR (ID)"] == f"{bs} (0)"

        res = groups_tool("--bootstrap-server", bs, "--list")
        assert res.returncode == 0, res.stderr
        assert group in res.stdout.split()
        res = groups_tool("--bootstrap-server", bs, "--list", "--state")
        names, rows = table(res.stdout, "GROUP ")
        assert names == ["GROUP", "STATE"]
        assert {"GROUP": group, "STATE": "Stable"} in rows
        res = groups_tool("--bootstrap-server", bs, "--list", "--state", "empty")
        assert group not in res.stdout
    finally:
        for m in members:
            m.stop()

    # Stopped: the lag grows while producing, the partitions have no owner.
    more = clients.produce_sequence(bs, topic, range(6), 5, "b")
    res = groups_tool("--bootstrap-server", bs, "--describe", "--group", group)
    assert res.returncode == 0, res.stderr
    assert f"Consumer group '{group}' has no active members." in res.stderr
    _, rows = table(res.stdout, "GROUP ")
    assert len(rows) == 6
    for r in rows:
        p = int(r["PARTITION"])
        assert (int(r["CURRENT-OFFSET"]), int(r["LOG-END-OFFSET"]), int(r["LAG"])) == (ends[p], more[p], more[p] - ends[p])
        assert (r["CONSUMER-ID"], r["HOST"], r["CLIENT-ID"]) == ("-", "-", "-")

    res = groups_tool("--bootstrap-server", bs, "--describe", "--group", "no-such-group")
    assert res.returncode == 0
    assert "Error: Consumer group 'no-such-group' does not exist." in res.stdout


def test_describe_shows_consistent_lag_while_producing(broker):
    """An active member that falls behind a steady producer: every --describe row during the
    production has LAG = LOG-END-OFFSET - CURRENT-OFFSET, the end offsets never go backwards between
    snapshots and never pass what was produced, the member owns every row; once the producer stops
    the member catches up and the lag reaches 0."""
    import threading

    bs, topic, group = broker.bootstrap, "lagging", "tool-lag"
    _topic(bs, topic, 2)
    produced = {0: 0, 1: 0}
    stop = threading.Event()

    def produce():
        while not stop.is_set():
            ends = clients.produce_sequence(bs, topic, range(2), 20, "p")
            for p, end in ends.items():
                produced[p] = max(produced[p], end)
            time.sleep(0.05)

    log = clients.EventLog()
    # Commits every record after 30 ms of "processing": well below what the producer loop writes, so
    # the lag shows mid-stream (at 10 ms the two rates were close and the lag sometimes never did).
    member = clients.ConfluentMember("slow", bs, group, [topic], log, delay=0.03)
    member.start()
    producer = threading.Thread(target=produce, daemon=True)
    try:
        clients.wait_assignments([member], range(2))
        producer.start()
        previous_end = {0: 0, 1: 0}
        lagging_seen = False
        for _ in range(4):
            time.sleep(1.0)
            res = groups_tool("--bootstrap-server", bs, "--describe", "--group", group)
            assert res.returncode == 0, res.stderr
            _, rows = table(res.stdout, "GROUP ")
            assert sorted(int(r["PARTITION"]) for r in rows) == [0, 1], res.stdout
            for r in rows:
                p = int(r["PARTITION"])
                end = int(r["LOG-END-OFFSET"])
                current = r["CURRENT-OFFSET"]
                assert r["CLIENT-ID"] == "slow" and r["CONSUMER-ID"].startswith("slow-"), r
                assert previous_end[p] <= end, (previous_end, r)
                previous_end[p] = end
                if current == "-":
                    assert r["LAG"] == "-", r
                    continue
                assert int(r["LAG"]) == end - int(current) >= 0, r
                lagging_seen = lagging_seen or int(r["LAG"]) > 0
        stop.set()
        producer.join(30)
        for p, end in previous_end.items():
            assert end <= produced[p], (previous_end, produced)
        assert lagging_seen, "the member never fell behind the producer: nothing was shown mid-stream"

        def caught_up():
            res = groups_tool("--bootstrap-server", bs, "--describe", "--group", group)
            _, rows = table(res.stdout, "GROUP ")
            return all(r["LAG"] == "0" and int(r["LOG-END-OFFSET"]) == produced[int(r["PARTITION"])]
                       for r in rows) and len(rows) == 2
        clients._wait(caught_up, 90, "the member to catch up with the producer")
    finally:
        stop.set()
        member.stop()
    assert not member.errors, member.errors[:3]


def test_reset_offsets_moves_a_stopped_group(broker):
    bs, topic, group = broker.bootstrap, "resettable", "reset-g"
    _topic(bs, topic, 3)
    ends = clients.produce_sequence(bs, topic, range(3), 10, "r")
    clients.commit_offsets(bs, group, topic, {0: 4, 1: 5, 2: 6})

    def committed():
        return clients.committed_offsets(bs, group, topic, [0, 1, 2])

    def reset(*scenario):
        res = groups_tool("--bootstrap-server", bs, "--reset-offsets", "--group", group, *scenario)
        assert res.returncode == 0, res.stdout + res.stderr
        return res

    res = reset("--topic", topic, "--to-earliest", "--dry-run")
    names, rows = table(res.stdout, "GROUP ")
    assert names == ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]
    assert [(r["GROUP"], r["TOPIC"], r["PARTITION"], r["NEW-OFFSET"]) for r in rows] == \
        [(group, topic, str(p), "0") for p in range(3)]
    assert committed() == {0: 4, 1: 5, 2: 6}  # dry run: nothing written

    res = reset("--topic", topic, "--to-earliest")
    assert "WARN: No action will be performed as the --execute option is missing." in res.stderr
    assert committed() == {0: 4, 1: 5, 2: 6}

    reset("--all-topics", "--to-earliest", "--execute")
    assert committed() == {0: 0, 1: 0, 2: 0}
    reset("--all-topics", "--shift-by", "3", "--execute")
    assert committed() == {0: 3, 1: 3, 2: 3}
    reset("--topic", f"{topic}:1", "--to-offset", "100", "--execute")  # clamped to the log end
    assert committed() == {0: 3, 1: ends[1], 2: 3}
    reset("--topic", f"{topic}:0,2", "--shift-by", "-10", "--execute")  # clamped to the log start
    assert committed() == {0: 0, 1: ends[1], 2: 0}
    reset("--all-topics", "--to-latest", "--execute")
    assert committed() == ends
    reset("--all-topics", "--to-datetime", "2000-01-01T00:00:00.000", "--execute")
    assert committed() == {0: 0, 1: 0, 2: 0}
    reset("--all-topics", "--by-duration", "PT0S", "--execute")  # nothing newer than now: the log end
    assert committed() == ends
    reset("--all-topics", "--to-offset", "2", "--execute")
    res = reset("--all-topics", "--to-current", "--dry-run", "--export")
    assert res.stdout == "".join(f"{topic},{p},2\n" for p in range(3)) + "\n"

    res = groups_tool("--bootstrap-server", bs, "--reset-offsets", "--group", group, "--all-topics", "--shift-by", "1",
                      "--to-offset", "1", "--execute")
    assert res.returncode == 1 and "can't be used with option" in res.stderr

    # An active group is refused.
    log = clients.EventLog()
    member = clients.ConfluentMember("active", bs, group, [topic], log, commit=False)
    member.start()
    try:
        clients.wait_assignments([member], range(3))
        res = reset("--all-topics", "--to-earliest", "--execute")
        assert (f"Error: Assignments can only be reset if the group '{group}' is inactive, but the current state "
                f"is Stable.") in res.stdout
        assert committed() == {0: 2, 1: 2, 2: 2}
    finally:
        member.stop()


def test_delete_offsets_and_delete_groups(broker):
    bs, topic = broker.bootstrap, "deletable"
    _topic(bs, topic, 2)
    clients.produce_sequence(bs, topic, range(2), 3, "d")
    clients.commit_offsets(bs, "del-a", topic, {0: 1, 1: 2})
    clients.commit_offsets(bs, "del-b", topic, {0: 1})

    res = groups_tool("--bootstrap-server", bs, "--delete-offsets", "--group", "del-a", "--topic", f"{topic}:1",
                      "--topic", "missing-topic")
    assert res.returncode == 0, res.stderr
    assert f"Request succeed for deleting offsets with topic {topic}:1, missing-topic group del-a" in res.stdout
    names, rows = table(res.stdout, "TOPIC ")
    assert names == ["TOPIC", "PARTITION", "STATUS"]
    assert [(r["TOPIC"], r["PARTITION"], r["STATUS"]) for r in rows] == [
        (topic, "1", "Successful"),
        ("missing-topic", "Not Provided", "Error: This server does not host this topic-partition."),
    ]
    left = clients.committed_offsets(bs, "del-a", topic, [0, 1])
    assert left[0] == 1 and left[1] < 0, left  # librdkafka shows "none" as -1 or -1001

    res = groups_tool("--bootstrap-server", bs, "--delete", "--group", "del-a", "--group", "del-b")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "Deletion of requested consumer groups ('del-a', 'del-b') was successful."
    res = groups_tool("--bootstrap-server", bs, "--list")
    assert "del-a" not in res.stdout.split() and "del-b" not in res.stdout.split()

    # A group with members cannot be deleted.
    log = clients.EventLog()
    member = clients.ConfluentMember("busy", bs, "del-busy", [topic], log, commit=False)
    member.start()
    try:
        clients.wait_assignments([member], range(2))
        res = groups_tool("--bootstrap-server", bs, "--delete", "--group", "del-busy")
        assert "Error: Deletion of some consumer groups failed:" in res.stdout
        assert "* Group 'del-busy' could not be deleted due to:" in res.stdout
        assert "GroupNotEmptyException" in res.stdout
    finally:
        member.stop()
