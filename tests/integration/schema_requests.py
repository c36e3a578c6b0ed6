"""Minimal well-formed requests for any API and version, built from our schema files
(src/protocol/schemas/*.schema, format in their README.md): every field the version has, at its
schema default or zero (empty strings, arrays and bytes; null where the default says so), tagged
fields left out. Written independently of the broker's generated codecs, as wire.py is.

Used by the sweep that sends every advertised (API, version) to a real broker."""

import re
import struct
from pathlib import Path

import wire

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "src" / "protocol" / "schemas"

_SCALARS = {"int8": ">b", "int16": ">h", "int32": ">i", "int64": ">q", "uint16": ">H", "uint32": ">I",
            "float64": ">d", "bool": ">?"}


def _in_range(spec, v):
    """'none', 'N', 'N-M', 'N+'."""
    if spec is None or spec == "none":
        return False
    if spec.endswith("+"):
        return v >= int(spec[:-1])
    if "-" in spec:
        lo, hi = spec.split("-")
        return int(lo) <= v <= int(hi)
    return v == int(spec)


class Field:
    def __init__(self, name, type_, attrs):
        self.name, self.type, self.attrs = name, type_, attrs
        self.children = []  # the inline struct definition, if any


class Message:
    def __init__(self, kind, name, attrs):
        self.kind, self.name, self.attrs = kind, name, attrs
        self.fields = []
        self.structs = {}  # struct name -> fields of a message-level `struct` definition
        self.inline = {}   # struct name -> the child lists of every field of that type


def _attrs(tokens):
    out = {}
    for t in tokens:
        k, _, v = t.partition("=")
        out[k] = v if _ else True
    return out


def parse(path):
    """{(kind, api_key): Message} of one schema file."""
    messages = {}
    current = None
    stack = []  # (indent, list of fields to append to)
    for raw in Path(path).read_text().splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        tokens = raw.split()
        if indent == 0:
            current = Message(tokens[0], tokens[1], _attrs(tokens[2:]))
            if "key" in current.attrs:
                messages[(current.kind, int(current.attrs["key"]))] = current
            stack = [(0, current.fields)]
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if tokens[0] == "struct":
            fields = []
            current.structs[tokens[1]] = fields
            stack.append((indent, fields))
            continue
        f = Field(tokens[0], tokens[1], _attrs(tokens[2:]))
        stack[-1][1].append(f)
        struct_name = f.type[2:] if f.type.startswith("[]") else f.type
        if struct_name[:1].isupper():
            # Defined inline here, or (children left empty) a reference to a definition elsewhere.
            current.inline.setdefault(struct_name, []).append(f.children)
        stack.append((indent, f.children))
    return messages


def _uvarint(n):
    return wire.uvarint(n)


def _encode_fields(msg, fields, v, flexible, overrides):
    out = b""
    for f in fields:
        if not _in_range(f.attrs.get("v"), v):
            continue
        if "tag" in f.attrs and _in_range(f.attrs.get("tagged"), v):
            continue  # tagged: absent means default
        out += _encode_value(msg, f, v, flexible and "flex" not in f.attrs, overrides)
    if flexible:
        out += _uvarint(0)  # no tagged fields
    return out


def _encode_value(msg, f, v, flexible, overrides):
    t = f.type
    nullable = _in_range(f.attrs.get("null"), v)
    default = f.attrs.get("default")
    null = nullable and default == "null"
    if t.startswith("[]"):
        if null:
            return _uvarint(0) if flexible else struct.pack(">i", -1)
        return _uvarint(1) if flexible else struct.pack(">i", 0)
    if t in _SCALARS:
        value = 0
        if default in ("true", "false"):
            value = default == "true"
        elif default not in (None, "null", '""'):
            value = int(default, 0)
        if f.name == "acks":
            value = 1  # acks=0 would get no answer at all
        value = overrides.get(f.name, value)
        return struct.pack(_SCALARS[t], value)
    if t == "uuid":
        return bytes(16)
    if t == "string":
        if null:
            return _uvarint(0) if flexible else struct.pack(">h", -1)
        return _uvarint(1) if flexible else struct.pack(">h", 0)
    if t in ("bytes", "records"):
        if null or (t == "records" and nullable):
            return _uvarint(0) if flexible else struct.pack(">i", -1)
        return _uvarint(1) if flexible else struct.pack(">i", 0)
    # A struct (not an array of them): its fields, inline or defined elsewhere in the message.
    fields = f.children or msg.structs.get(t) or next((c for c in msg.inline.get(t, []) if c), [])
    return _encode_fields(msg, fields, v, flexible, overrides)


_REQUESTS = None


def requests():
    """{api_key: request Message} over every schema file."""
    global _REQUESTS
    if _REQUESTS is None:
        _REQUESTS = {}
        for path in sorted(SCHEMA_DIR.glob("*.schema")):
            for (kind, key), msg in parse(path).items():
                if kind == "request":
                    _REQUESTS[key] = msg
    return _REQUESTS


def is_flexible(api_key, version):
    return _in_range(requests()[api_key].attrs.get("flexible"), version)


def minimal_request(api_key, version, **overrides):
    """The request body (header not included); `overrides` set scalar fields by name."""
    msg = requests()[api_key]
    assert _in_range(msg.attrs["versions"], version), (msg.name, version)
    return _encode_fields(msg, msg.fields, version, is_flexible(api_key, version), overrides)


def name(api_key):
    return re.sub(r"Request$", "", requests()[api_key].name)
