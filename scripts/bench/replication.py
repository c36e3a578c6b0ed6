#!/usr/bin/python3
"""Replication figures for docs/PERFORMANCE.md ("Replication"). Run it through
`scripts/bench/run.sh replication [options]`.

Starts its own ZooKeeper and three brokers on this machine (temporary directories, free ports; all
stopped by PID at the end, also on failure or Ctrl-C), then, each figure the median of --runs runs:

  latency     gregor-producer-perf-test at a fixed rate (--rate records/s of --record-size bytes for
              --seconds s) into a fresh topic of --partitions partitions: RF=3 with acks=1, RF=3
              with acks=all (min.insync.replicas=2), and RF=1 acks=1 as the unreplicated reference;
              the tool's p50/p95/p99/p99.9 and average latency;
  throughput  the same tool unthrottled (--throughput -1, --max-records records) for RF=3 acks=all,
              RF=3 acks=1 and RF=1 acks=1: the tool's records/s and MiB/s for the whole run, the
              sustained rate (median of its 5-second window lines but the first), the rate at
              which data became fully replicated (records / time until every partition's high
              watermark covered them: with acks=1 the followers may still be copying when the
              producer is done), and the CPU-seconds all three brokers spent per GiB of payload up
              to that moment.

Every topic is deleted after its run. Prints a markdown table (also written to --out).
"""

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (run_measured, cpu_seconds, PRODUCE_TOTAL, run_and_report, log)
import harness  # noqa: E402  (imported by bench from tests/integration)

GIB = 1024.0 ** 3
MIB = 1024.0 ** 2
WINDOW = re.compile(r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), [\d.]+ ms avg latency, "
                    r"[\d.]+ ms max latency\.$", re.M)

# (label, replication factor, acks)
LATENCY_CASES = [("RF=3, acks=1", 3, "1"), ("RF=3, acks=all", 3, "all"), ("RF=1, acks=1", 1, "1")]
THROUGHPUT_CASES = [("RF=3, acks=all", 3, "all"), ("RF=3, acks=1", 3, "1"), ("RF=1, acks=1", 1, "1")]


class ReplicationBench:
    def __init__(self, args):
        self.args = args
        self.bin = Path(args.build_dir) / "bin"
        self.work = Path(tempfile.mkdtemp(prefix="gregor-bench-repl-", dir=args.tmp_dir))
        self.zk = None
        self.cluster = None
        self.rows = {}
        self.counter = 0

    # ---------------------------------------------------------------------------------- processes

    def start(self):
        bench.log(f"work dir {self.work}")
        self.zk = harness.ZooKeeper(self.work / "zk").start()
        props = {"num.io.threads": str(self.args.io_threads), "num.network.threads": "2",
                 "auto.create.topics.enable": "false", "log.segment.delete.delay.ms": "0",
                 "auto.leader.rebalance.enable": "false"}
        props.update(kv.split("=", 1) for kv in self.args.broker_prop)
        self.cluster = harness.Cluster(self.work / "cluster", self.zk.connect, 3, props)
        for b in self.cluster.brokers.values():
            b.binary = Path(self.args.server) if self.args.server else self.bin / "gregor-server"
        self.cluster.start()
        pids = {i: b.proc.pid for i, b in self.cluster.brokers.items()}
        bench.log(f"brokers {pids} on {self.cluster.bootstrap}, ZooKeeper on {self.zk.connect}")

    def stop(self):
        if self.cluster is not None:
            codes = self.cluster.stop()
            bench.log(f"brokers stopped (exit codes {codes})")
        if self.zk is not None:
            self.zk.stop()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def broker_cpu(self):
        return sum(bench.cpu_seconds(b.proc.pid) for b in self.cluster.brokers.values())

    def new_topic(self, label, rf):
        import clients
        self.counter += 1
        topic = f"repl-{label}-{self.counter}"
        configs = {"min.insync.replicas": "2"} if rf == 3 else {}
        clients.create_topic_with_configs(self.cluster.bootstrap, topic, self.args.partitions, rf, configs)
        parts = self.args.partitions

        def ready(md):
            t = md["topics"].get(topic)
            return t is not None and len(t["partitions"]) == parts and all(
                v["leader"] >= 0 and len(v["isr"]) == rf for v in t["partitions"].values())
        self.cluster.wait_consistent([topic], 60, ready)
        self.warm_up(topic)
        return topic

    def warm_up(self, topic):
        """One acks=all record per partition, retried until acknowledged: a follower whose first
        fetch reached the leader before the leader had applied its LeaderAndIsr backs off
        replica.fetch.backoff.ms (1 s, as in Kafka), which would otherwise land in the first
        seconds of the measurement. Leaves one record in each partition (wait_replicated counts it)."""
        import wire
        md = harness.metadata_v7(self.cluster[0].bootstrap, [topic])["topics"][topic]["partitions"]
        for p, v in md.items():
            now = int(time.time() * 1000)
            blob = wire.record_batch([(None, b"warm-up", now, ())], now)

            def acknowledged():
                with wire.Connection(self.cluster[v["leader"]].bootstrap, timeout=15) as conn:
                    body = wire.produce_v3_body(topic, p, blob, acks=-1, timeout_ms=10000)
                    resp = wire.decode_produce_v3(conn.request(wire.API_PRODUCE, 3, body))
                return resp["responses"][0]["partitions"][0]["error_code"] == 0
            harness.wait_until(acknowledged, 60, 0.2, f"an acknowledged warm-up record in {topic}-{p}")

    def high_watermarks(self, topic):
        """{partition: high watermark} by ListOffsets v1 (latest) to each partition's leader. Raw
        protocol on purpose: a librdkafka consumer (it needs a group.id) would look up a group
        coordinator and so create __consumer_offsets in the middle of a measurement."""
        import wire
        md = harness.metadata_v7(self.cluster[0].bootstrap, [topic])["topics"][topic]["partitions"]
        out = {}
        for p, v in md.items():
            with wire.Connection(self.cluster[v["leader"]].bootstrap) as conn:
                err, _ts, offset = wire.list_offsets_v1(conn, topic, {p: -1})[p]
            if err != 0:
                raise RuntimeError(f"ListOffsets {topic}-{p}: error {err}")
            out[p] = offset
        return out

    def wait_replicated(self, topic, records):
        """Waits until the high watermarks of the topic's partitions add up to `records`."""
        records += self.args.partitions  # the warm-up records
        harness.wait_until(lambda: sum(self.high_watermarks(topic).values()) >= records, self.args.timeout, 0.05,
                           f"{topic} fully replicated")

    def check_isr(self, topic, rf):
        """Warns when a partition's ISR is not full after a run (a follower fell behind): the figures
        of that run then describe a smaller ISR."""
        if rf == 1:
            return
        t = harness.metadata_v7(self.cluster[0].bootstrap, [topic])["topics"][topic]
        short = {p: v["isr"] for p, v in t["partitions"].items() if len(v["isr"]) < rf}
        if short:
            bench.log(f"warning: {topic}: ISR not full after the run: {short}")

    def delete_topic(self, topic):
        import clients
        a = clients.admin(self.cluster.bootstrap)
        fs = a.delete_topics([topic], operation_timeout=60, request_timeout=60)
        fs[topic].result(60)
        harness.wait_until(lambda: not any(b.partition_dir(topic, p).exists() for b in self.cluster.brokers.values()
                                           for p in range(self.args.partitions)),
                           60, 0.2, f"topic {topic}'s files to go")

    # ---------------------------------------------------------------------------------- workloads

    def produce(self, topic, acks, records, throughput):
        a = self.args
        argv = [str(self.bin / "gregor-producer-perf-test"), "--topic", topic, "--num-records", str(records),
                "--record-size", str(a.record_size), "--throughput", str(throughput), "--producer-props",
                f"bootstrap.servers={self.cluster.bootstrap}", f"acks={acks}", f"linger.ms={a.linger_ms}",
                f"batch.size={a.batch_size}", "compression.type=none"]
        before, started = self.broker_cpu(), time.monotonic()
        out, err, code, client_cpu = bench.run_measured(argv, a.timeout)
        produced = time.monotonic()
        m = bench.PRODUCE_TOTAL.search(out)
        if code != 0 or m is None:
            raise RuntimeError(f"producer perf test failed ({code}):\n{out[-2000:]}\n{err[-2000:]}")
        self.wait_replicated(topic, records)
        replicated = time.monotonic()
        broker_cpu, wall = self.broker_cpu() - before, replicated - started
        payload = records * a.record_size
        # Window lines (one per full 5 s) but the first: client start-up, metadata, first batches.
        windows = [float(w.group(2)) for w in WINDOW.finditer(out)][1:]
        sustained = statistics.median(windows) if windows else float(m.group(2))
        return {"rec_s": float(m.group(2)), "mib_s": float(m.group(3)), "sustained_rec_s": sustained,
                "sustained_mib_s": sustained * a.record_size / MIB, "replicated_rec_s": records / wall,
                "catch_up_s": replicated - produced, "avg_ms": float(m.group(4)),
                "max_ms": float(m.group(5)), "p50_ms": int(m.group(6)), "p95_ms": int(m.group(7)),
                "p99_ms": int(m.group(8)), "p999_ms": int(m.group(9)),
                "broker_cpu_per_gib": broker_cpu / (payload / GIB), "broker_cores": broker_cpu / wall,
                "client_cores": client_cpu / (produced - started)}

    def add(self, name, row):
        self.rows.setdefault(name, []).append(row)
        bench.log(f"{name}: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                          for k, v in row.items()))

    def run(self):
        a = self.args
        fixed = a.rate * a.seconds
        for r in range(a.runs):
            bench.log(f"run {r + 1}/{a.runs}")
            for label, rf, acks in LATENCY_CASES:
                topic = self.new_topic(f"lat-rf{rf}-acks{acks}", rf)
                self.add(f"latency:{label}", self.produce(topic, acks, fixed, a.rate))
                self.check_isr(topic, rf)
                self.delete_topic(topic)
            for label, rf, acks in THROUGHPUT_CASES if not a.latency_only else []:
                topic = self.new_topic(f"max-rf{rf}-acks{acks}", rf)
                self.add(f"max:{label}", self.produce(topic, acks, a.max_records, -1))
                self.check_isr(topic, rf)
                self.delete_topic(topic)

    # ---------------------------------------------------------------------------------- report

    def median(self, name, key):
        return statistics.median(row[key] for row in self.rows[name])

    def spread(self, name, key, fmt="{:,.0f}"):
        values = [row[key] for row in self.rows[name]]
        return f"{fmt.format(min(values))}–{fmt.format(max(values))}"

    def table(self):
        a = self.args
        if a.latency_only:
            return self.latency_table()
        return self.latency_table() + "\n" + self.throughput_table()

    def latency_table(self):
        a = self.args
        out = [f"Median of {a.runs} runs; 3 brokers on this machine, {a.partitions} partitions per topic, "
               f"min.insync.replicas=2 on RF=3 topics; {a.record_size} B records, producer linger.ms={a.linger_ms} "
               f"batch.size={a.batch_size} compression none.", "",
               f"Fixed rate: {a.rate:,} records/s for {a.seconds} s ({a.rate * a.seconds:,} records per run).", "",
               "| topic, acks | p50 ms | p95 ms | p99 ms | p99.9 ms (runs) | avg ms | broker cores busy |",
               "|---|---:|---:|---:|---:|---:|---:|"]
        for label, _, _ in LATENCY_CASES:
            n = f"latency:{label}"
            out.append(f"| {label} | {self.median(n, 'p50_ms'):.0f} | {self.median(n, 'p95_ms'):.0f} | "
                       f"{self.median(n, 'p99_ms'):.0f} | {self.median(n, 'p999_ms'):.0f} "
                       f"({self.spread(n, 'p999_ms')}) | {self.median(n, 'avg_ms'):.1f} | "
                       f"{self.median(n, 'broker_cores'):.2f} |")
        return "\n".join(out)

    def throughput_table(self):
        a = self.args
        out = ["", f"Unthrottled: {a.max_records:,} records per run.", "",
                "| topic, acks | whole run records/s (runs) | sustained records/s (runs) | sustained MiB/s "
                "| fully replicated records/s (catch-up s) | broker CPU-s/GiB (3 brokers) | broker / client cores busy |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        for label, _, _ in THROUGHPUT_CASES:
            n = f"max:{label}"
            out.append(f"| {label} | {self.median(n, 'rec_s'):,.0f} ({self.spread(n, 'rec_s')}) | "
                       f"{self.median(n, 'sustained_rec_s'):,.0f} ({self.spread(n, 'sustained_rec_s')}) | "
                       f"{self.median(n, 'sustained_mib_s'):.1f} | {self.median(n, 'replicated_rec_s'):,.0f} "
                       f"({self.median(n, 'catch_up_s'):.1f}) | {self.median(n, 'broker_cpu_per_gib'):.2f} | "
                       f"{self.median(n, 'broker_cores'):.2f} / {self.median(n, 'client_cores'):.2f} |")
        all_ = self.median("max:RF=3, acks=all", "sustained_rec_s")
        one = self.median("max:RF=3, acks=1", "sustained_rec_s")
        rf1 = self.median("max:RF=1, acks=1", "sustained_rec_s")
        p99_all = self.median("latency:RF=3, acks=all", "p99_ms")
        p99_one = self.median("latency:RF=3, acks=1", "p99_ms")
        out += ["", f"Ratios of medians: sustained throughput acks=all / acks=1 on RF=3 {all_ / one:.2f}, "
                f"RF=3 acks=all / RF=1 acks=1 {all_ / rf1:.2f}; p99 latency RF=3 acks=all / acks=1 "
                f"{p99_all / max(p99_one, 1):.1f}."]
        return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default=str(bench.ROOT / "build"))
    p.add_argument("--server", default=None, help="broker binary (default: <build-dir>/bin/gregor-server)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--rate", type=int, default=5000, help="records/s of the fixed-rate latency runs")
    p.add_argument("--seconds", type=int, default=30, help="length of a fixed-rate run")
    p.add_argument("--record-size", type=int, default=1024)
    p.add_argument("--max-records", type=int, default=3_000_000,
                   help="records per unthrottled run (x record size x 3 replicas must fit on the disk)")
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--linger-ms", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=262144)
    p.add_argument("--io-threads", type=int, default=2)
    p.add_argument("--broker-prop", action="append", default=[], metavar="KEY=VALUE",
                   help="a broker property for all three brokers (repeatable)")
    p.add_argument("--latency-only", action="store_true", help="skip the unthrottled runs (no table for them)")
    p.add_argument("--quick", action="store_true", help="tiny runs: checks that the driver works, figures mean nothing")
    p.add_argument("--tmp-dir", default=None, help="where the log dirs go (default: $TMPDIR)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per tool invocation")
    p.add_argument("--keep", action="store_true", help="keep the work dir (broker logs)")
    p.add_argument("--out", default=None, help="also write the markdown table to this file")
    args = p.parse_args()
    if args.quick:
        args.runs, args.rate, args.seconds, args.max_records = 1, 1000, 3, 50_000

    return bench.run_and_report(ReplicationBench(args), "Gregor replication benchmark", args.out)

if __name__ == "__main__":
    sys.exit(main())
