#!/usr/bin/python3
"""Gregor's performance baseline (docs/PERFORMANCE.md). Run it through scripts/bench/run.sh.

Starts its own ZooKeeper and one broker (temporary directories, free ports; both stopped by PID at
the end, also on failure or Ctrl-C), then measures, each figure the median of --runs runs:

  produce   kafka-producer-perf-test (librdkafka) for 100 B and 1 KiB records, acks=1 and acks=all,
            replication factor 1, a fresh topic per run;
  consume   kafka-consumer-perf-test reading back what the 1 KiB and 100 B acks=1 runs wrote;
  CPU       broker CPU-seconds per GiB of payload (utime+stime from /proc/<pid>/stat before and
            after each run) and the same for the client process (from wait4's rusage);
  limits    loopback TCP, sendfile from a page-cached file to loopback, page-cache write, and
            write+fdatasync to the device (gregor-bench-probe), measured in the same run, in the
            same directory as the log dir.

Prints a markdown table (also written to --out). --profile additionally records the broker with
`perf record -g` during one produce and one consume run and prints the top symbols.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

import harness  # noqa: E402  (ZooKeeper and Broker process management, shared with the tests)

MIB = 1024.0 * 1024.0
GIB = 1024.0 * MIB
TICKS = os.sysconf("SC_CLK_TCK")

PRODUCE_TOTAL = re.compile(
    r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th\.$", re.M)
PROBE = re.compile(r"probe=(\S+) bytes=(\d+) seconds=([\d.]+) mib_per_sec=([\d.]+)")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cpu_seconds(pid):
    """utime + stime of a live process, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def run_measured(argv, timeout):
    """Runs argv; returns (stdout, stderr, exit code, child CPU seconds)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (out.read().decode(errors="replace"), err.read().decode(errors="replace"), proc.returncode,
                usage.ru_utime + usage.ru_stime)


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = Path(args.build_dir) / "bin"
        self.work = Path(tempfile.mkdtemp(prefix="gregor-bench-", dir=args.tmp_dir))
        self.zk = None
        self.broker = None
        self.rows = {}        # name -> list of dicts, one per run
        self.topic_counter = 0
        self.profiles = {}

    # ---------------------------------------------------------------------------------- processes

    def start(self):
        log(f"work dir {self.work}")
        self.zk = harness.ZooKeeper(self.work / "zk").start()
        # Topics are deleted after use, their files at once: every run then starts with little
        # dirty data in the page cache, as the page-cache write probe does.
        props = {"num.io.threads": str(self.args.io_threads), "num.network.threads": "2",
                 "auto.create.topics.enable": "false", "log.segment.delete.delay.ms": "0"}
        self.broker = harness.Broker(self.work / "broker", self.zk.connect, 0, props,
                                     binary=Path(self.args.server) if self.args.server else self.bin / "gregor-server")
        self.broker.start()
        log(f"broker pid {self.broker.proc.pid} on {self.broker.bootstrap}, ZooKeeper on {self.zk.connect}")

    def stop(self):
        if self.broker is not None:
            code = self.broker.stop()
            log(f"broker stopped (exit {code})")
        if self.zk is not None:
            self.zk.stop()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def new_topic(self, label):
        import clients  # confluent-kafka (librdkafka) admin client, as the tests use
        self.topic_counter += 1
        topic = f"bench-{label}-{self.topic_counter}"
        clients.create_topic(self.broker.bootstrap, topic, partitions=self.args.partitions)
        clients.wait_topic_ready(self.broker.bootstrap, topic, self.args.partitions)
        return topic

    def delete_topic(self, topic):
        import clients
        a = clients.admin(self.broker.bootstrap)
        fs = a.delete_topics([topic], operation_timeout=30, request_timeout=30)
        fs[topic].result(30)
        harness.wait_until(lambda: not (self.broker.log_dir / f"{topic}-0").exists(), 30, 0.1,
                           f"topic {topic}'s files to go")

    # ---------------------------------------------------------------------------------- workloads

    def produce(self, topic, size, records, acks):
        argv = [str(self.bin / "gregor-producer-perf-test"), "--topic", topic, "--num-records", str(records),
                "--record-size", str(size), "--throughput", "-1", "--producer-props",
                f"bootstrap.servers={self.broker.bootstrap}", f"acks={acks}",
                f"linger.ms={self.args.linger_ms}", f"batch.size={self.args.batch_size}",
                "compression.type=none"]
        pid = self.broker.proc.pid
        before, started = cpu_seconds(pid), time.monotonic()
        out, err, code, client_cpu = run_measured(argv, self.args.timeout)
        broker_cpu, wall = cpu_seconds(pid) - before, time.monotonic() - started
        m = PRODUCE_TOTAL.search(out)
        if code != 0 or m is None:
            raise RuntimeError(f"producer perf test failed ({code}):\n{out[-2000:]}\n{err[-2000:]}")
        payload = records * size
        return {"mib_s": float(m.group(3)), "rec_s": float(m.group(2)), "avg_ms": float(m.group(4)),
                "p50_ms": int(m.group(6)), "p99_ms": int(m.group(8)),
                "broker_cpu_per_gib": broker_cpu / (payload / GIB),
                "client_cpu_per_gib": client_cpu / (payload / GIB), "broker_cores": broker_cpu / wall,
                "client_cores": client_cpu / wall}

    def consume(self, topic, records):
        argv = [str(self.bin / "gregor-consumer-perf-test"), "--bootstrap-server", self.broker.bootstrap,
                "--topic", topic, "--messages", str(records), "--timeout", "30000", "--hide-header"]
        pid = self.broker.proc.pid
        before, started = cpu_seconds(pid), time.monotonic()
        out, err, code, client_cpu = run_measured(argv, self.args.timeout)
        broker_cpu, wall = cpu_seconds(pid) - before, time.monotonic() - started
        lines = [ln for ln in out.splitlines() if ln and ln[0].isdigit()]
        if code != 0 or not lines or "WARNING" in out:
            raise RuntimeError(f"consumer perf test failed ({code}):\n{out[-2000:]}\n{err[-2000:]}")
        f = [x.strip() for x in lines[-1].split(",")]
        mb, n = float(f[2]), int(f[4])
        if n != records:
            raise RuntimeError(f"consumer read {n} of {records} records")
        # fetch.MB.sec excludes the metadata lookup and assignment ("rebalance" time).
        return {"mib_s": float(f[8]), "rec_s": float(f[9]), "broker_cpu_per_gib": broker_cpu / (mb / 1024.0),
                "client_cpu_per_gib": client_cpu / (mb / 1024.0), "broker_cores": broker_cpu / wall,
                "client_cores": client_cpu / wall}

    def probe(self, name):
        size = self.args.probe_bytes if name in ("tcp", "sendfile") else self.args.write_probe_bytes
        argv = [str(self.bin / "gregor-bench-probe"), name, "--bytes", str(size)]
        if name != "tcp":
            argv += ["--dir", str(self.work)]
        out, err, code, _ = run_measured(argv, self.args.timeout)
        m = PROBE.search(out)
        if code != 0 or m is None:
            raise RuntimeError(f"probe {name} failed ({code}): {out} {err}")
        return {"mib_s": float(m.group(4))}

    # ---------------------------------------------------------------------------------- profiling

    def profiled(self, label, fn):
        """Runs fn() while `perf record -g` samples the broker; keeps the top of `perf report`."""
        data = self.work / f"perf-{label}.data"
        rec = subprocess.Popen(["perf", "record", "-F", "1999", "-g", "-p", str(self.broker.proc.pid), "-o",
                                str(data)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        try:
            return fn()
        finally:
            rec.send_signal(signal.SIGINT)
            try:
                rec.wait(timeout=60)
            except subprocess.TimeoutExpired:
                rec.kill()
                rec.wait()
            rep = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "-g", "none",
                                  "--sort", "dso,symbol", "--percent-limit", "1"],
                                 capture_output=True, text=True, timeout=300)
            lines = [" ".join(ln.split()).removesuffix(" - -") for ln in rep.stdout.splitlines()
                     if ln.strip() and not ln.startswith("#")]
            self.profiles[label] = lines[:25]
            if self.args.keep:
                log(f"perf data kept in {data}")

    # ---------------------------------------------------------------------------------- driver

    def add(self, name, row):
        self.rows.setdefault(name, []).append(row)
        log(f"{name}: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))

    def run(self):
        a = self.args
        sizes = [(100, a.records_100), (1024, a.records_1k)]
        for r in range(a.runs):
            log(f"run {r + 1}/{a.runs}")
            for name in ("tcp", "sendfile", "write", "disk"):
                self.add(f"limit:{name}", self.probe(name))
            for size, records in sizes:
                for acks in ("1", "all"):
                    topic = self.new_topic(f"{size}b-acks{acks}")
                    self.add(f"produce:{size}:{acks}", self.produce(topic, size, records, acks))
                    if acks == "1":
                        self.add(f"consume:{size}", self.consume(topic, records))
                    self.delete_topic(topic)
        if a.profile:
            # Extra runs, not counted in the medians: perf's sampling costs the broker a little.
            log("profiling one 1 KiB acks=1 produce run and its consume run")
            # Twice the records of a measured run: enough samples for a stable top list.
            topic, records = self.new_topic("profile"), 2 * a.records_1k
            self.profiled("produce 1 KiB acks=1", lambda: self.produce(topic, 1024, records, "1"))
            self.profiled("consume 1 KiB", lambda: self.consume(topic, records))
            self.delete_topic(topic)

    def median(self, name, key):
        return statistics.median(row[key] for row in self.rows[name])

    def table(self):
        a = self.args
        tcp = self.median("limit:tcp", "mib_s")
        sf = self.median("limit:sendfile", "mib_s")
        wr = self.median("limit:write", "mib_s")
        disk = self.median("limit:disk", "mib_s")
        out = []
        out.append(f"Median of {a.runs} runs; {a.partitions} partition(s), replication factor 1; producer "
                   f"linger.ms={a.linger_ms} batch.size={a.batch_size} compression none; "
                   f"{a.records_100} x 100 B and {a.records_1k} x 1 KiB records per produce run.")
        out.append("")
        out.append("| workload | MiB/s | records/s | p50 / p99 ms | broker CPU-s/GiB | client CPU-s/GiB "
                   "| cores busy broker / client | vs limit |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---|")
        for size in (100, 1024):
            label = "100 B" if size == 100 else "1 KiB"
            for acks in ("1", "all"):
                n = f"produce:{size}:{acks}"
                mib = self.median(n, "mib_s")
                out.append(f"| produce {label}, acks={acks} | {mib:.1f} | {self.median(n, 'rec_s'):,.0f} | "
                           f"{self.median(n, 'p50_ms'):.0f} / {self.median(n, 'p99_ms'):.0f} | "
                           f"{self.median(n, 'broker_cpu_per_gib'):.2f} | {self.median(n, 'client_cpu_per_gib'):.2f} | "
                           f"{self.median(n, 'broker_cores'):.2f} / {self.median(n, 'client_cores'):.2f} | "
                           f"{100 * mib / wr:.0f}% of page-cache write, {100 * mib / tcp:.0f}% of loopback TCP |")
        for size in (100, 1024):
            label = "100 B" if size == 100 else "1 KiB"
            n = f"consume:{size}"
            mib = self.median(n, "mib_s")
            out.append(f"| consume {label} | {mib:.1f} | {self.median(n, 'rec_s'):,.0f} | – | "
                       f"{self.median(n, 'broker_cpu_per_gib'):.2f} | {self.median(n, 'client_cpu_per_gib'):.2f} | "
                       f"{self.median(n, 'broker_cores'):.2f} / {self.median(n, 'client_cores'):.2f} | "
                       f"{100 * mib / sf:.0f}% of sendfile→loopback |")
        out.append("")
        best = {n: max(row["mib_s"] for row in self.rows[f"limit:{n}"]) for n in ("tcp", "sendfile", "write", "disk")}
        out.append("| machine limit (same run) | MiB/s (median) | MiB/s (best run) |")
        out.append("|---|---:|---:|")
        out.append(f"| loopback TCP, write()→read() | {tcp:.0f} | {best['tcp']:.0f} |")
        out.append(f"| sendfile() of a page-cached file → loopback → read() | {sf:.0f} | {best['sendfile']:.0f} |")
        out.append(f"| write() into the page cache (no fsync), {a.write_probe_bytes >> 20} MiB | {wr:.0f} | "
                   f"{best['write']:.0f} |")
        out.append(f"| write() + fdatasync() to the log dir's device, {a.write_probe_bytes >> 20} MiB | {disk:.0f} | "
                   f"{best['disk']:.0f} |")
        for label, lines in self.profiles.items():
            out.append("")
            out.append(f"Broker profile, {label} (self time, `perf report --no-children --sort dso,symbol`, >= 1%):")
            out.append("```")
            out.extend(lines)
            out.append("```")
        return "\n".join(out)


def machine_description():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    load = Path("/proc/loadavg").read_text().split()[:3]
    kernel = os.uname().release
    return (f"{os.cpu_count()} x {cpu}, {int(mem) // 1024} MiB RAM, Linux {kernel}, "
            f"load average before the run {' '.join(load)}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default=str(ROOT / "build"))
    p.add_argument("--server", default=None, help="broker binary (default: <build-dir>/bin/gregor-server)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--records-100", type=int, default=2_000_000, help="records per 100 B produce run")
    p.add_argument("--records-1k", type=int, default=500_000, help="records per 1 KiB produce run")
    p.add_argument("--partitions", type=int, default=1)
    p.add_argument("--linger-ms", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=262144)
    p.add_argument("--io-threads", type=int, default=2)
    p.add_argument("--probe-bytes", type=int, default=1 << 30, help="bytes per loopback/sendfile probe")
    p.add_argument("--write-probe-bytes", type=int, default=256 << 20,
                   help="bytes per page-cache and disk write probe (small enough to stay below the dirty limits)")
    p.add_argument("--profile", action="store_true", help="perf record the broker during one produce and one consume run")
    p.add_argument("--quick", action="store_true", help="tiny runs: checks that the driver works, figures mean nothing")
    p.add_argument("--tmp-dir", default=None, help="where the log dir and probe files go (default: $TMPDIR)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per tool invocation")
    p.add_argument("--keep", action="store_true", help="keep the work dir (logs, perf data)")
    p.add_argument("--out", default=None, help="also write the markdown table to this file")
    args = p.parse_args()
    if args.quick:
        args.runs, args.records_100, args.records_1k = 1, 20_000, 5_000
        args.probe_bytes, args.write_probe_bytes = 64 << 20, 16 << 20

    return run_and_report(Bench(args), "Gregor benchmark", args.out)


def run_and_report(runner, title, out_path):
    """Runs a benchmark object (start(), run(), stop(), table()): SIGTERM stops it as Ctrl-C does,
    the brokers are stopped whatever happens, and the table is printed (and written to out_path)
    with the machine and the load average after the run. Returns the exit status."""
    machine = machine_description()

    def on_signal(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    started = time.strftime("%Y-%m-%d %H:%M")
    try:
        runner.start()
        runner.run()
    finally:
        runner.stop()
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    text = (f"{title}, {started}; machine: {machine}; load average after the run {load_after}.\n\n"
            + runner.table() + "\n")
    print(text)
    if out_path:
        Path(out_path).write_text(text)
    return 0

if __name__ == "__main__":
    sys.exit(main())
