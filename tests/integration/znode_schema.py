"""Checks every znode under a chroot against the formats of ZOOKEEPER-LAYOUT.md §0-§2: the exact key
set of each JSON document and the JSON type of every value (a broker's "timestamp" is a string, a
partition state's "leader" an integer, ...), containers with null data, sequential names.

    problems = znode_schema.check_tree(kazoo_client)   # [] when everything conforms

A znode the table does not know is a problem too: the cluster must write nothing else.
"""

import json
import re

DIGITS = re.compile(r"^-?\d+$")
BASE64URL_UUID = re.compile(r"^[A-Za-z0-9_-]{22}$")
SEQ = r"\d{10}"
TOPIC = r"[A-Za-z0-9._-]+"


class Problem(Exception):
    pass


# ---------------------------------------------------------------------------------------- types

def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _same(v, expected):
    """v == expected with the same JSON type (True is not 1)."""
    return type(v) is type(expected) and v == expected


def _expect(cond, what):
    if not cond:
        raise Problem(what)


def _int(v, what):
    _expect(_is_int(v), f"{what} must be a JSON integer, got {v!r}")


def _str(v, what):
    _expect(isinstance(v, str), f"{what} must be a JSON string, got {v!r}")


def _int_list(v, what):
    _expect(isinstance(v, list) and all(_is_int(x) for x in v), f"{what} must be a list of integers, got {v!r}")


def _str_list(v, what):
    _expect(isinstance(v, list) and all(isinstance(x, str) for x in v), f"{what} must be a list of strings, got {v!r}")


def _millis_string(v, what):
    _str(v, what)
    _expect(DIGITS.match(v) is not None and int(v) > 1_500_000_000_000,
            f"{what} must be epoch millis as text, got {v!r}")


def _keys(doc, required, optional=()):
    _expect(isinstance(doc, dict), f"expected a JSON object, got {doc!r}")
    keys = set(doc)
    missing = set(required) - keys
    extra = keys - set(required) - set(optional)
    _expect(not missing and not extra, f"keys {sorted(keys)}: missing {sorted(missing)}, unexpected {sorted(extra)}")


def _json(data):
    _expect(data is not None and data != b"", "expected JSON, got no data")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Problem(f"not UTF-8: {e}")
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise Problem(f"not JSON ({e}): {text!r}")
    # Compact as Jackson writes it: no whitespace between tokens.
    _expect(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) == text, f"JSON must be compact: {text!r}")
    return doc


def _partition_map(v, what):
    _expect(isinstance(v, dict), f"{what} must be an object, got {v!r}")
    for p, replicas in v.items():
        _expect(DIGITS.match(p) is not None and int(p) >= 0, f"{what} key {p!r} must be a partition id as text")
        _int_list(replicas, f"{what}[{p}]")


# ---------------------------------------------------------------------------------------- formats

def null_data(data):
    """Containers: null data (Kafka creates parents with null)."""
    _expect(data is None, f"a container must have null data, got {data!r}")


def null_or_empty(data):
    _expect(data is None or data == b"", f"expected no data, got {data!r}")


def decimal_text(data):
    _expect(data is not None and DIGITS.match(data.decode("utf-8", "replace")) is not None,
            f"expected decimal text, got {data!r}")


def cluster_id(data):
    doc = _json(data)
    _keys(doc, ["version", "id"])
    _expect(_same(doc["version"], "1"), f'"version" must be the string "1", got {doc["version"]!r}')
    _str(doc["id"], "id")
    _expect(BASE64URL_UUID.match(doc["id"]) is not None, f"id must be a 22-character base64url UUID: {doc['id']!r}")


def broker_registration(data):
    doc = _json(data)
    _keys(doc, ["version", "host", "port", "jmx_port", "timestamp", "endpoints", "listener_security_protocol_map",
                "features"], ["rack"])
    _expect(_same(doc["version"], 5), f"registration version must be 5 (features present), got {doc['version']!r}")
    _expect(doc["host"] is None or isinstance(doc["host"], str), f"host must be a string or null: {doc['host']!r}")
    _int(doc["port"], "port")
    _int(doc["jmx_port"], "jmx_port")
    _millis_string(doc["timestamp"], "timestamp")
    _str_list(doc["endpoints"], "endpoints")
    for e in doc["endpoints"]:
        _expect(re.match(r"^[A-Za-z0-9_]+://[^:/]*:\d+$", e) is not None, f"endpoint {e!r} is not NAME://host:port")
    m = doc["listener_security_protocol_map"]
    _expect(isinstance(m, dict) and all(isinstance(k, str) and v in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
                                        for k, v in m.items()), f"listener_security_protocol_map: {m!r}")
    f = doc["features"]
    _expect(isinstance(f, dict), f"features must be an object: {f!r}")
    for name, rng in f.items():
        _keys(rng, ["min_version", "max_version"])
        _int(rng["min_version"], f"features.{name}.min_version")
        _int(rng["max_version"], f"features.{name}.max_version")
    if "rack" in doc:
        _str(doc["rack"], "rack")


def topic_assignment(data):
    doc = _json(data)
    _expect(isinstance(doc, dict) and any(_same(doc.get("version"), v) for v in (1, 2, 3)),
            f"topic version must be 1, 2 or 3: {doc!r}")
    v = doc["version"]
    if v == 1:
        _keys(doc, ["version", "partitions"])
    elif v == 2:
        _keys(doc, ["version", "partitions", "adding_replicas", "removing_replicas"])
    else:
        _keys(doc, ["version", "partitions", "adding_replicas", "removing_replicas"], ["topic_id"])
    _partition_map(doc["partitions"], "partitions")
    _expect(doc["partitions"], "partitions must not be empty")
    for key in ("adding_replicas", "removing_replicas"):
        if key in doc:
            _partition_map(doc[key], key)
    if "topic_id" in doc:
        _str(doc["topic_id"], "topic_id")
        _expect(BASE64URL_UUID.match(doc["topic_id"]) is not None, f"topic_id {doc['topic_id']!r}")


def partition_state(data):
    doc = _json(data)
    _keys(doc, ["controller_epoch", "leader", "version", "leader_epoch", "isr"], ["leader_recovery_state"])
    _expect(_same(doc["version"], 1), f"state version must be 1: {doc['version']!r}")
    for k in ("controller_epoch", "leader", "leader_epoch"):
        _int(doc[k], k)
    _expect(doc["leader"] >= -1, f"leader {doc['leader']} (-2 never reaches ZooKeeper)")
    _expect(doc["leader_epoch"] >= 0 and doc["controller_epoch"] >= 1, f"epochs: {doc!r}")
    _int_list(doc["isr"], "isr")
    _expect(doc["isr"], "the ISR is never written empty")
    if "leader_recovery_state" in doc:
        _expect(_same(doc["leader_recovery_state"], 1), "leader_recovery_state is only written when it is 1")


def controller(data):
    doc = _json(data)
    _expect(isinstance(doc, dict) and any(_same(doc.get("version"), v) for v in (1, 2)), f"controller version: {doc!r}")
    if doc["version"] == 1:
        _keys(doc, ["version", "brokerid", "timestamp"])
    else:
        _keys(doc, ["version", "brokerid", "timestamp", "kraftControllerEpoch"])
        _int(doc["kraftControllerEpoch"], "kraftControllerEpoch")
    _int(doc["brokerid"], "brokerid")
    _millis_string(doc["timestamp"], "timestamp")


def entity_config(data):
    doc = _json(data)
    _keys(doc, ["version", "config"])
    _expect(_same(doc["version"], 1), f"config version must be 1: {doc['version']!r}")
    _expect(isinstance(doc["config"], dict) and all(isinstance(v, str) for v in doc["config"].values()),
            f"config values must all be strings: {doc['config']!r}")


def config_change(data):
    doc = _json(data)
    if isinstance(doc, dict) and _same(doc.get("version"), 1):
        _keys(doc, ["version", "entity_type", "entity_name"])
        _str(doc["entity_type"], "entity_type")
        _str(doc["entity_name"], "entity_name")
        return
    _keys(doc, ["version", "entity_path"])
    _expect(_same(doc["version"], 2), f"change version must be 2: {doc['version']!r}")
    _str(doc["entity_path"], "entity_path")
    _expect(re.match(r"^(topics|brokers|clients|users|ips)/.+", doc["entity_path"]) is not None,
            f"entity_path {doc['entity_path']!r}")


def _partition_list(doc, with_replicas):
    _keys(doc, ["version", "partitions"])
    _expect(_same(doc["version"], 1), f"version must be 1: {doc['version']!r}")
    _expect(isinstance(doc["partitions"], list), "partitions must be a list")
    for e in doc["partitions"]:
        if with_replicas:
            _keys(e, ["topic", "partition", "replicas"])
            _int_list(e["replicas"], "replicas")
        else:
            _keys(e, ["topic", "partition"])
        _str(e["topic"], "topic")
        _int(e["partition"], "partition")


def reassignment(data):
    _partition_list(_json(data), True)


def partition_notification(data):
    """/admin/preferred_replica_election and isr_change_<seq>."""
    _partition_list(_json(data), False)


def log_dir_event(data):
    doc = _json(data)
    _keys(doc, ["version", "broker", "event"])
    for k in doc:
        _int(doc[k], k)
    _expect(_same(doc["version"], 1), f"version must be 1: {doc['version']!r}")


def producer_id_block(data):
    if data is None or data == b"":
        return
    doc = _json(data)
    _keys(doc, ["version", "broker", "block_start", "block_end"])
    _expect(_same(doc["version"], 1), f"version must be 1: {doc['version']!r}")
    _int(doc["broker"], "broker")
    for k in ("block_start", "block_end"):
        _str(doc[k], k)
        _expect(DIGITS.match(doc[k]) is not None, f"{k} must be decimal text")


def feature(data):
    doc = _json(data)
    _keys(doc, ["version", "status", "features"])
    _int(doc["version"], "version")
    _int(doc["status"], "status")
    _expect(isinstance(doc["features"], dict), "features must be an object")


# Path patterns (relative to the chroot) and their formats; the first match wins.
RULES = [
    (r"/cluster", null_data),
    (r"/cluster/id", cluster_id),
    (r"/brokers|/brokers/ids|/brokers/topics", null_data),
    (r"/brokers/seqid", null_or_empty),
    (r"/brokers/ids/\d+", broker_registration),
    (rf"/brokers/topics/{TOPIC}", topic_assignment),
    (rf"/brokers/topics/{TOPIC}/partitions|/brokers/topics/{TOPIC}/partitions/\d+", null_data),
    (rf"/brokers/topics/{TOPIC}/partitions/\d+/state", partition_state),
    (r"/controller", controller),
    (r"/controller_epoch", decimal_text),
    (r"/config|/config/(topics|brokers|clients|users|ips|changes)", null_data),
    (r"/config/(topics|brokers|clients|ips)/[^/]+", entity_config),
    (r"/config/users/[^/]+(/clients/[^/]+)?", entity_config),
    (r"/config/users/[^/]+/clients", null_data),
    (rf"/config/changes/config_change_{SEQ}", config_change),
    (r"/admin|/admin/delete_topics", null_data),
    (rf"/admin/delete_topics/{TOPIC}", null_or_empty),
    (r"/admin/reassign_partitions", reassignment),
    (r"/admin/preferred_replica_election", partition_notification),
    (r"/isr_change_notification|/log_dir_event_notification", null_data),
    (rf"/isr_change_notification/isr_change_{SEQ}", partition_notification),
    (rf"/log_dir_event_notification/log_dir_event_{SEQ}", log_dir_event),
    (r"/latest_producer_id_block", producer_id_block),
    (r"/feature", feature),
    (r"/consumers|/consumers/[^/]+|/consumers/[^/]+/(offsets|owners|ids)|/consumers/[^/]+/(offsets|owners)/[^/]+",
     null_data),
    (r"/consumers/[^/]+/offsets/[^/]+/\d+", decimal_text),
]
_COMPILED = [(re.compile(f"^(?:{pattern})$"), check) for pattern, check in RULES]


def check_znode(path, data):
    """Problems (strings) with one znode's data; [] when it conforms."""
    for pattern, check in _COMPILED:
        if pattern.match(path):
            try:
                check(data)
            except Problem as e:
                return [f"{path}: {e} (data {data!r})"]
            return []
    return [f"{path}: not a znode Kafka's layout has (data {data!r})"]


def walk(kazoo, path="/"):
    """(path, data) of every znode under path (a chroot client's "/"), parents first."""
    children = kazoo.get_children(path)
    for child in sorted(children):
        full = path.rstrip("/") + "/" + child
        try:
            data, _ = kazoo.get(full)
        except Exception:  # noqa: BLE001 - deleted between the listing and the read
            continue
        yield full, data
        yield from walk(kazoo, full)


def check_tree(kazoo):
    """Every problem in the tree; [] when every znode conforms."""
    problems = []
    for path, data in walk(kazoo):
        problems += check_znode(path, data)
    return problems


def snapshot(kazoo):
    """{path: data} of the whole tree (to print next to problems)."""
    return dict(walk(kazoo))
