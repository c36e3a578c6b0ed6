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
              RF=3 acks=1 and RF=1 acks=1: records/s and MiB/s as the tool reports them, and the
              CPU-seconds all three brokers spent per GiB of payload.

Every topic is deleted after its run. Prints a markdown table (also written to --out).
"""

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (run_measured, cpu_seconds, PRODUCE_TOTAL, machine_description, log)
import harness  # noqa: E402  (imported by bench from tests/integration)

GIB = 1024.0 ** 3

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
        return topic

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
        broker_cpu, wall = self.broker_cpu() - before, time.monotonic() - started
        m = bench.PRODUCE_TOTAL.search(out)
        if code != 0 or m is None:
            raise RuntimeError(f"producer perf test failed ({code}):\n{out[-2000:]}\n{err[-2000:]}")
        payload = records * a.record_size
        return {"rec_s": float(m.group(2)), "mib_s": float(m.group(3)), "avg_ms": float(m.group(4)),
                "max_ms": float(m.group(5)), "p50_ms": int(m.group(6)), "p95_ms": int(m.group(7)),
                "p99_ms": int(m.group(8)), "p999_ms": int(m.group(9)),
                "broker_cpu_per_gib": broker_cpu / (payload / GIB), "broker_cores": broker_cpu / wall,
                "client_cores": client_cpu / wall}

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
            for label, rf, acks in THROUGHPUT_CASES:
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
        out += ["", f"Unthrottled: {a.max_records:,} records per run.", "",
                "| topic, acks | records/s (runs) | MiB/s | broker CPU-s/GiB (3 brokers) | broker / client cores busy |",
                "|---|---:|---:|---:|---:|"]
        for label, _, _ in THROUGHPUT_CASES:
            n = f"max:{label}"
            out.append(f"| {label} | {self.median(n, 'rec_s'):,.0f} ({self.spread(n, 'rec_s')}) | "
                       f"{self.median(n, 'mib_s'):.1f} | {self.median(n, 'broker_cpu_per_gib'):.2f} | "
                       f"{self.median(n, 'broker_cores'):.2f} / {self.median(n, 'client_cores'):.2f} |")
        all_ = self.median("max:RF=3, acks=all", "rec_s")
        one = self.median("max:RF=3, acks=1", "rec_s")
        rf1 = self.median("max:RF=1, acks=1", "rec_s")
        p99_all = self.median("latency:RF=3, acks=all", "p99_ms")
        p99_one = self.median("latency:RF=3, acks=1", "p99_ms")
        out += ["", f"Ratios of medians: acks=all / acks=1 throughput on RF=3 {all_ / one:.2f}, "
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
    p.add_argument("--max-records", type=int, default=500_000, help="records per unthrottled run")
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--linger-ms", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=262144)
    p.add_argument("--io-threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="tiny runs: checks that the driver works, figures mean nothing")
    p.add_argument("--tmp-dir", default=None, help="where the log dirs go (default: $TMPDIR)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per tool invocation")
    p.add_argument("--keep", action="store_true", help="keep the work dir (broker logs)")
    p.add_argument("--out", default=None, help="also write the markdown table to this file")
    args = p.parse_args()
    if args.quick:
        args.runs, args.rate, args.seconds, args.max_records = 1, 1000, 3, 20_000

    machine = bench.machine_description()
    rb = ReplicationBench(args)

    def on_signal(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    started = time.strftime("%Y-%m-%d %H:%M")
    try:
        rb.start()
        rb.run()
    finally:
        rb.stop()
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    text = (f"Gregor replication benchmark, {started}; machine: {machine}; load average after the run "
            f"{load_after}.\n\n" + rb.table() + "\n")
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
