"""pytest fixtures: one ZooKeeper per session, a fresh chroot and brokers per test.

Fixtures:
  zookeeper     session-wide ZooKeeper server (harness.ZooKeeper)
  zk_connect    "127.0.0.1:<port>/<chroot>" unique to the test
  zk            a ZkClient rooted at that chroot (paths like "/brokers/ids/0")
  broker_factory(broker_id=0, extra_props=None, start=True) -> harness.Broker
  broker        one started broker (id 0) for the test
  shared_broker a broker shared by every test in a module (for read-only tests)
  cluster_factory(size=3, extra_props=None, per_broker_props=None, start=True) -> harness.Cluster,
                each on a fresh chroot (several clusters in one test do not see each other)
  shared_cluster a started 3-broker harness.Cluster shared by every test in a module
Every broker is stopped with SIGTERM in teardown and must exit 0; its log is printed when the test
failed.
"""

import itertools
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

DEFAULT_TIMEOUT = 300
_chroot_ids = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running data tests")


def pytest_collection_modifyitems(config, items):
    # A global bound even when pytest.ini (timeout = ...) is not picked up.
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def _failed(request):
    for when in ("setup", "call"):
        rep = getattr(request.node, "rep_" + when, None)
        if rep is not None and rep.failed:
            return True
    return False


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("gregor-it")


@pytest.fixture(scope="session")
def zookeeper(session_dir):
    zk = harness.ZooKeeper(session_dir / "zookeeper").start()
    yield zk
    zk.stop()


def _chroot_for(name):
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80]
    return f"/gregor-it/{safe}-{next(_chroot_ids)}-{os.getpid()}"


@pytest.fixture
def zk_chroot(request):
    return _chroot_for(request.node.name)


@pytest.fixture
def zk_connect(zookeeper, zk_chroot):
    return zookeeper.connect + zk_chroot


@pytest.fixture
def zk(zookeeper, zk_chroot, zk_connect):
    # Create the chroot first (the broker must cope with an existing one), so that a client rooted
    # there can start before any broker has run.
    root = harness.ZkClient(zookeeper.connect)
    try:
        root.ensure_path(zk_chroot)
    finally:
        root.close()
    client = harness.ZkClient(zk_connect)
    yield client
    client.close()


class BrokerFactory:
    def __init__(self, workdir, zk_connect):
        self.workdir = Path(workdir)
        self.zk_connect = zk_connect
        self.brokers = []

    def __call__(self, broker_id=0, extra_props=None, start=True):
        b = harness.Broker(self.workdir / f"broker-{broker_id}-{len(self.brokers)}", self.zk_connect,
                           broker_id=broker_id, extra_props=extra_props)
        self.brokers.append(b)
        if start:
            b.start()
        return b

    def teardown(self, print_logs):
        """Stops every broker with SIGTERM. A broker that does not exit 0 fails the test: a crash or
        hang at shutdown is a bug too. Logs are printed when the test failed or shutdown did."""
        bad = []
        for b in self.brokers:
            was_running = b.alive()
            code = b.stop()
            if was_running and code != 0:
                bad.append((b.broker_id, code))
            if print_logs or (was_running and code != 0):
                sys.stdout.write(f"\n----- broker {b.broker_id} log ({b.log_path}) -----\n{b.log_text()}\n")
        if bad:
            pytest.fail(f"broker(s) did not shut down cleanly on SIGTERM (id, exit code): {bad}")


@pytest.fixture
def broker_factory(tmp_path, zk_connect, request):
    factory = BrokerFactory(tmp_path, zk_connect)
    yield factory
    factory.teardown(_failed(request))


@pytest.fixture
def broker(broker_factory):
    return broker_factory()


@pytest.fixture(scope="module")
def shared_broker(zookeeper, tmp_path_factory, request):
    workdir = tmp_path_factory.mktemp("shared-broker")
    factory = BrokerFactory(workdir, zookeeper.connect + _chroot_for(request.module.__name__))
    b = factory()
    yield b
    # Module-scoped: print the log if any test in the module failed.
    failed = request.session.testsfailed > 0
    factory.teardown(failed)


class ClusterFactory:
    """Makes harness.Cluster objects, each on its own chroot, and stops them all in teardown with
    the same rule as BrokerFactory: every broker that ran must exit 0 on SIGTERM."""

    def __init__(self, workdir, zookeeper, name):
        self.workdir = Path(workdir)
        self.zookeeper = zookeeper
        self.name = name
        self.clusters = []

    def __call__(self, size=3, extra_props=None, per_broker_props=None, start=True):
        n = len(self.clusters)
        connect = self.zookeeper.connect + _chroot_for(f"{self.name}-cluster{n}")
        root = harness.ZkClient(self.zookeeper.connect)
        try:
            root.ensure_path(connect[len(self.zookeeper.connect):])
        finally:
            root.close()
        c = harness.Cluster(self.workdir / f"cluster-{n}", connect, size, extra_props, per_broker_props)
        self.clusters.append(c)
        if start:
            c.start()
        return c

    def teardown(self, print_logs):
        bad = []
        for c in self.clusters:
            codes = c.stop()
            bad += [(i, code) for i, code in codes.items() if code != 0]
            if print_logs or bad:
                sys.stdout.write(c.logs())
        if bad:
            pytest.fail(f"broker(s) did not shut down cleanly on SIGTERM (id, exit code): {bad}")


@pytest.fixture
def cluster_factory(tmp_path, zookeeper, request):
    factory = ClusterFactory(tmp_path, zookeeper, request.node.name)
    yield factory
    factory.teardown(_failed(request))


@pytest.fixture(scope="module")
def shared_cluster(zookeeper, tmp_path_factory, request):
    factory = ClusterFactory(tmp_path_factory.mktemp("shared-cluster"), zookeeper, request.module.__name__)
    cluster = factory()
    yield cluster
    factory.teardown(request.session.testsfailed > 0)
