"""kafka-transactions.sh against a broker, with Kafka's tables (every cell padded to its column's
width and followed by a tab): list (ListTransactions), describe (FindCoordinator + DescribeTransactions),
describe-producers (DescribeProducers), and abort --start-offset of a hanging transaction (one whose
producer never ends it: written with our own encoder, no coordinator knows it), which releases the
last stable offset."""

import time

from confluent_kafka import Producer

import clients
import harness
import wire

TOOL = ("kafka-transactions.sh", "gregor-transactions")


def _run(*args):
    return harness.run_tool_script(*TOOL, *args)


def _table(headers, rows):
    widths = [max(len(r[i]) for r in [headers] + rows) for i in range(len(headers))]
    return "".join("".join(c.ljust(w) + "\t" for c, w in zip(r, widths)) + "\n" for r in [headers] + rows)


def test_list_describe_and_describe_producers_of_an_open_transaction(broker):
    clients.create_topic(broker.bootstrap, "tt")
    p = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "tool-txn", **clients.QUIET_LOG})
    p.init_transactions(60)
    p.begin_transaction()
    for i in range(3):
        p.produce("tt", value=b"x", partition=0)
    p.flush(30)

    with wire.Connection(broker.bootstrap) as c:
        body = wire.fetch_v4(c, "tt", 0, 0, isolation_level=0)
    before = time.time() * 1000

    out = _run("--bootstrap-server", broker.bootstrap, "describe-producers", "--topic", "tt", "--partition", "0")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence",
                                "LastTimestamp", "CurrentTransactionStartOffset"]
    [row] = [line.split("\t") for line in lines[1:]]
    pid, epoch = row[0].strip(), row[1].strip()
    assert (row[3].strip(), row[5].strip()) == ("2", "0"), row  # three records: sequences 0-2, the txn starts at 0
    assert out.stdout == _table(lines[0].split(), [[c.strip() for c in row[:6]]])
    assert body  # the records are in the log

    out = _run("--bootstrap-server", broker.bootstrap, "list")
    assert out.returncode == 0, out.stderr
    assert out.stdout == _table(["TransactionalId", "Coordinator", "ProducerId", "TransactionState"],
                                [["tool-txn", "0", pid, "Ongoing"]])

    out = _run("--bootstrap-server", broker.bootstrap, "describe", "--transactional-id", "tool-txn")
    assert out.returncode == 0, out.stderr
    header, line = out.stdout.splitlines()
    assert header.split() == ["CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState",
                              "TransactionTimeoutMs", "CurrentTransactionStartTimeMs", "TransactionDurationMs",
                              "TopicPartitions"]
    cells = [c.strip() for c in line.split("\t")]
    assert cells[:6] == ["0", "tool-txn", pid, epoch, "Ongoing", "60000"]
    assert 0 < int(cells[6]) <= before and int(cells[7]) >= 0
    assert cells[8] == "tt-0"

    out = _run("--bootstrap-server", broker.bootstrap, "describe", "--transactional-id", "nobody")
    assert out.returncode == 1 and "TRANSACTIONAL_ID_NOT_FOUND" in out.stderr
    p.abort_transaction(60)


def test_abort_a_hanging_transaction_by_its_start_offset(broker):
    clients.create_topic(broker.bootstrap, "hang")
    recs = clients.make_records(4, "hang", header_every=0, text_only=True)
    blob = wire.record_batch([(r.key, r.value, r.timestamp, ()) for r in recs], recs[0].timestamp,
                             producer_id=4242, producer_epoch=3, base_sequence=0, transactional=True)
    with wire.Connection(broker.bootstrap) as conn:
        conn.request(wire.API_PRODUCE, 3, wire.produce_v3_body("hang", 0, blob, acks=-1))

    def lso():
        with wire.Connection(broker.bootstrap) as conn:
            return wire.list_offsets_v2(conn, "hang", {0: -1}, 1)[0][2]
    assert lso() == 0  # the hanging transaction holds read_committed readers at its start

    out = _run("--bootstrap-server", broker.bootstrap, "abort", "--topic", "hang", "--partition", "0",
               "--start-offset", "7")
    assert out.returncode == 1
    assert "Could not find any open transactions starting at offset 7 on partition hang-0" in out.stderr
    out = _run("--bootstrap-server", broker.bootstrap, "abort", "--topic", "hang", "--partition", "0",
               "--start-offset", "0")
    assert out.returncode == 0, out.stderr
    assert lso() == 5  # four records and the ABORT marker
    out = _run("--bootstrap-server", broker.bootstrap, "describe-producers", "--topic", "hang", "--partition", "0")
    [row] = [line.split("\t") for line in out.stdout.splitlines()[1:]]
    assert (row[0].strip(), row[1].strip(), row[5].strip()) == ("4242", "3", "None")
