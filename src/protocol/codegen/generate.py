#!/usr/bin/python3
"""Generates the C++ protocol codecs from src/protocol/schemas/*.schema.

Usage:
  generate.py --schemas DIR --out DIR            codecs: headers, one .cc per schema, api table
  generate.py --schemas DIR --out DIR --tests    round-trip tests: one .cc per schema

Python 3 standard library only. Files are rewritten only when their content changes, so a
touched schema recompiles only what it affects. The schema format is described in
src/protocol/schemas/README.md.
"""

import argparse
import os
import re
import sys

MAX_VERSION = 0x7FFF

PRIMITIVES = {
    'bool', 'int8', 'int16', 'int32', 'int64', 'uint16', 'uint32', 'float64',
    'uuid', 'string', 'bytes', 'records',
}
INT_TYPES = {
    'int8': 'int8_t', 'int16': 'int16_t', 'int32': 'int32_t', 'int64': 'int64_t',
    'uint16': 'uint16_t', 'uint32': 'uint32_t',
}
INT_BOUNDS = {
    'int8': (-128, 127), 'int16': (-32768, 32767), 'int32': (-2**31, 2**31 - 1),
    'int64': (-2**63, 2**63 - 1), 'uint16': (0, 65535), 'uint32': (0, 2**32 - 1),
}

CPP_KEYWORDS = set('''
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue co_await
co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq
nullptr operator or or_eq private protected public register reinterpret_cast requires return
short signed sizeof static static_assert static_cast struct switch template this thread_local
throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t while
xor xor_eq
'''.split())
# Names our generated structs use for themselves; a field with such a name gets a trailing '_'.
RESERVED_MEMBERS = {'encode', 'decode', 'api_key_value', 'min_version', 'max_version',
                    'first_flexible_version', 'std', 'gregor', 'version'}


class SchemaError(Exception):
    pass


def snake(name):
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', name)
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', s)
    return s.lower()


class Versions:
    """A closed version range [lo, hi]; empty when lo > hi."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    @staticmethod
    def parse(text, where):
        if text == 'none':
            return Versions(1, 0)
        m = re.fullmatch(r'(\d+)(\+|-(\d+))?', text)
        if not m:
            raise SchemaError('%s: bad version range %r' % (where, text))
        lo = int(m.group(1))
        if m.group(2) == '+':
            return Versions(lo, MAX_VERSION)
        if m.group(3) is not None:
            return Versions(lo, int(m.group(3)))
        return Versions(lo, lo)

    def empty(self):
        return self.lo > self.hi

    def intersect(self, other):
        return Versions(max(self.lo, other.lo), min(self.hi, other.hi))

    def contains(self, v):
        return self.lo <= v <= self.hi

    def covers(self, other):
        return other.empty() or (self.lo <= other.lo and self.hi >= other.hi)

    def condition(self, valid):
        """A C++ boolean expression over `version` that is true inside this range, assuming
        `version` lies in `valid`."""
        r = self.intersect(valid)
        if r.empty():
            return 'false'
        parts = []
        if r.lo > valid.lo:
            parts.append('version >= %d' % r.lo)
        if r.hi < valid.hi:
            parts.append('version <= %d' % r.hi)
        if not parts:
            return 'true'
        if r.lo == r.hi and len(parts) == 2:
            return 'version == %d' % r.lo
        return ' && '.join(parts)


class Field:
    def __init__(self):
        self.name = None          # snake_case schema name
        self.member = None        # C++ member name (keyword-escaped)
        self.type = None          # schema type text, e.g. "[]TopicData"
        self.versions = None
        self.nullable = Versions(1, 0)
        self.tag = None
        self.tagged = Versions(1, 0)
        self.default = None
        self.ignorable = False
        self.map_key = False
        self.entity = None
        self.flex_none = False
        self.zero_copy = False
        self.fields = []          # inline struct definition
        self.line = 0
        self.struct = None        # resolved StructDef for struct / struct-array types

    @property
    def is_array(self):
        return self.type.startswith('[]')

    @property
    def elem(self):
        return self.type[2:] if self.is_array else self.type

    @property
    def is_struct(self):
        return self.elem not in PRIMITIVES

    @property
    def can_be_null(self):
        return not self.nullable.empty()


class StructDef:
    def __init__(self, schema_name, fields, versions, parent):
        self.schema_name = schema_name
        self.cxx_name = snake(schema_name)
        self.fields = fields
        self.versions = versions
        self.parent = parent      # enclosing StructDef or None for the message itself
        self.children = []        # nested StructDefs declared inside, in declaration order
        self.is_message = False

    def qualified(self):
        parts = []
        s = self
        while s is not None:
            parts.append(s.cxx_name)
            s = s.parent
        return '::'.join(reversed(parts))


class Message(StructDef):
    def __init__(self, kind, schema_name):
        super().__init__(schema_name, [], None, None)
        self.is_message = True
        self.kind = kind
        self.api_key = None
        self.flexible = None
        self.deprecated = None
        self.common = []          # common StructDefs
        if kind == 'header':
            # framing.h owns `request_header`; the schema-generated header structs get a suffix.
            self.cxx_name += '_data'

    @property
    def first_flexible(self):
        return -1 if self.flexible.empty() else self.flexible.lo


class SchemaFile:
    def __init__(self, path):
        self.path = path
        self.stem = os.path.splitext(os.path.basename(path))[0]
        self.messages = []


# ---------------------------------------------------------------------------------------------
# Parsing

def tokenize_attrs(tokens, where):
    attrs = {}
    flags = set()
    for t in tokens:
        if '=' in t:
            k, v = t.split('=', 1)
            attrs[k] = v
        else:
            flags.add(t)
    return attrs, flags


def parse_field(toks, lineno, where):
    if len(toks) < 3:
        raise SchemaError('%s:%d: a field needs a name, a type and v=' % (where, lineno))
    f = Field()
    f.line = lineno
    f.name = toks[0]
    f.type = toks[1]
    if not re.fullmatch(r'[a-z][a-z0-9_]*', f.name):
        raise SchemaError('%s:%d: field name %r is not snake_case' % (where, lineno, f.name))
    if not re.fullmatch(r'(\[\])?([a-z0-9]+|[A-Z][A-Za-z0-9]*)', f.type):
        raise SchemaError('%s:%d: bad type %r' % (where, lineno, f.type))
    if f.elem[0].islower() and f.elem not in PRIMITIVES:
        raise SchemaError('%s:%d: unknown type %r' % (where, lineno, f.type))
    attrs, flags = tokenize_attrs(toks[2:], where)
    if 'v' not in attrs:
        raise SchemaError('%s:%d: field %s lacks v=' % (where, lineno, f.name))
    here = '%s:%d' % (where, lineno)
    f.versions = Versions.parse(attrs.pop('v'), here)
    if 'null' in attrs:
        f.nullable = Versions.parse(attrs.pop('null'), here)
    if 'tag' in attrs:
        f.tag = int(attrs.pop('tag'))
        f.tagged = Versions.parse(attrs.pop('tagged'), here)
    if 'default' in attrs:
        f.default = attrs.pop('default')
    if 'entity' in attrs:
        f.entity = attrs.pop('entity')
    if 'flex' in attrs:
        if attrs.pop('flex') != 'none':
            raise SchemaError('%s: only flex=none is supported on a field' % here)
        f.flex_none = True
    if attrs:
        raise SchemaError('%s: unknown attributes %s' % (here, sorted(attrs)))
    for fl in flags:
        if fl == 'ignorable':
            f.ignorable = True
        elif fl == 'map_key':
            f.map_key = True
        elif fl == 'zero_copy':
            f.zero_copy = True
        else:
            raise SchemaError('%s: unknown flag %r' % (here, fl))
    m = f.name + '_' if (f.name in CPP_KEYWORDS or f.name in RESERVED_MEMBERS) else f.name
    f.member = m
    return f


def parse_file(path):
    sf = SchemaFile(path)
    where = os.path.basename(path)
    # stack of (indent, list-to-append-fields-to)
    stack = []
    msg = None
    with open(path, encoding='utf-8') as fh:
        lines = fh.read().split('\n')
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith('#'):
            continue
        if '\t' in raw:
            raise SchemaError('%s:%d: tabs are not allowed' % (where, lineno))
        indent = len(raw) - len(raw.lstrip(' '))
        if indent % 2:
            raise SchemaError('%s:%d: indentation must be a multiple of two' % (where, lineno))
        level = indent // 2
        toks = raw.split()
        if level == 0:
            kind = toks[0]
            if kind not in ('request', 'response', 'header', 'data'):
                raise SchemaError('%s:%d: unknown message kind %r' % (where, lineno, kind))
            msg = Message(kind, toks[1])
            attrs, flags = tokenize_attrs(toks[2:], where)
            here = '%s:%d' % (where, lineno)
            if flags:
                raise SchemaError('%s: unknown flags %s' % (here, sorted(flags)))
            if 'key' in attrs:
                msg.api_key = int(attrs.pop('key'))
            msg.versions = Versions.parse(attrs.pop('versions'), here)
            msg.flexible = Versions.parse(attrs.pop('flexible'), here)
            if 'deprecated' in attrs:
                msg.deprecated = Versions.parse(attrs.pop('deprecated'), here)
            if attrs:
                raise SchemaError('%s: unknown attributes %s' % (here, sorted(attrs)))
            if not msg.flexible.empty() and msg.flexible.hi != MAX_VERSION:
                raise SchemaError('%s: flexible versions must be open-ended' % here)
            if msg.kind in ('request', 'response') and msg.api_key is None:
                raise SchemaError('%s: %s needs key=' % (here, msg.kind))
            sf.messages.append(msg)
            stack = [(0, msg.fields)]
            continue
        if msg is None:
            raise SchemaError('%s:%d: field outside a message' % (where, lineno))
        while stack and stack[-1][0] >= level:
            stack.pop()
        if not stack or stack[-1][0] != level - 1:
            raise SchemaError('%s:%d: unexpected indentation' % (where, lineno))
        if toks[0] == 'struct':
            if level != 1:
                raise SchemaError('%s:%d: common structs belong at message level' % (where, lineno))
            attrs, _ = tokenize_attrs(toks[2:], where)
            sd = StructDef(toks[1], [], Versions.parse(attrs.get('v', '0+'), where), msg)
            msg.common.append(sd)
            stack.append((level, sd.fields))
            continue
        f = parse_field(toks, lineno, where)
        stack[-1][1].append(f)
        stack.append((level, f.fields))
    return sf


# ---------------------------------------------------------------------------------------------
# Resolution: struct definitions, names, collisions

def resolve_message(msg, where):
    registry = {}  # schema struct name -> StructDef

    for sd in msg.common:
        if sd.schema_name in registry:
            raise SchemaError('%s: duplicate struct %s' % (where, sd.schema_name))
        registry[sd.schema_name] = sd
        msg.children.append(sd)

    def define_inline(owner, fields):
        for f in fields:
            if f.fields:
                if not f.is_struct:
                    raise SchemaError('%s:%d: only struct types take nested fields' % (where, f.line))
                if f.elem in registry:
                    raise SchemaError('%s:%d: struct %s defined twice' % (where, f.line, f.elem))
                sd = StructDef(f.elem, f.fields, f.versions, owner)
                registry[f.elem] = sd
                owner.children.append(sd)
                define_inline(sd, f.fields)

    for sd in msg.common:
        define_inline(sd, sd.fields)
    define_inline(msg, msg.fields)

    def link(fields):
        for f in fields:
            if f.is_struct:
                if f.elem not in registry:
                    raise SchemaError('%s:%d: unknown struct type %s' % (where, f.line, f.elem))
                f.struct = registry[f.elem]
            if f.type == 'records' and f.is_array:
                raise SchemaError('%s:%d: arrays of records are not supported' % (where, f.line))
    for sd in registry.values():
        link(sd.fields)
    link(msg.fields)

    # A member named like a struct type visible in the same class would change the meaning of
    # that name inside the class (an error in GCC). Such types get a "_t" suffix.
    all_structs = [msg] + list(registry.values())
    changed = True
    while changed:
        changed = False
        for s in all_structs:
            members = {f.member for f in s.fields}
            used = {f.struct.cxx_name for f in s.fields if f.struct is not None}
            declared = {c.cxx_name for c in s.children}
            for c in registry.values():
                clash = c.cxx_name in members and (c.cxx_name in used or c.cxx_name in declared)
                # A member may not share its class's name either.
                if clash or (c is s and c.cxx_name in members):
                    c.cxx_name += '_t'
                    changed = True

    # Declare sibling structs so that each comes after the siblings its fields (or its nested
    # structs' fields) use.
    def deps_of(sd, siblings):
        out = set()
        stack = [sd]
        while stack:
            cur = stack.pop()
            for f in cur.fields:
                if f.struct is not None:
                    t = f.struct
                    while t is not None and t not in siblings:
                        t = t.parent
                    if t is not None and t is not sd:
                        out.add(t)
            stack.extend(cur.children)
        return out

    for s in all_structs:
        kids = list(s.children)
        sibs = set(kids)
        ordered = []
        placed = set()
        pending = {k: deps_of(k, sibs) for k in kids}
        while kids:
            for k in kids:
                if pending[k] <= placed:
                    ordered.append(k)
                    placed.add(k)
                    kids.remove(k)
                    break
            else:
                raise SchemaError('%s: structs in %s depend on each other in a cycle' % (where, s.schema_name))
        s.children = ordered

    # Tags: unique per struct, tagged versions inside the field's versions.
    for s in all_structs:
        seen = set()
        for f in s.fields:
            if f.tag is not None:
                if f.tag in seen:
                    raise SchemaError('%s:%d: duplicate tag %d' % (where, f.line, f.tag))
                seen.add(f.tag)
                if not f.versions.covers(f.tagged):
                    raise SchemaError('%s:%d: tagged versions outside versions' % (where, f.line))
    return registry


# ---------------------------------------------------------------------------------------------
# C++ types, defaults

def cxx_elem_type(f, scope):
    t = f.elem
    if t in INT_TYPES:
        return INT_TYPES[t]
    if t == 'bool':
        return 'bool'
    if t == 'float64':
        return 'double'
    if t == 'uuid':
        return 'gregor::uuid'
    if t == 'string':
        return 'std::string'
    if t == 'bytes':
        return 'gregor::bytes'
    if t == 'records':
        return 'gregor::iobuf'
    return struct_ref(f.struct, scope)


def struct_ref(sd, scope):
    """The name of struct `sd` as written inside struct `scope`."""
    s = scope
    while s is not None:
        if sd.parent is s or sd is s:
            return sd.cxx_name
        s = s.parent
    return sd.qualified()


def cxx_type(f, scope):
    e = cxx_elem_type(f, scope)
    if f.is_array:
        t = 'std::vector<%s>' % e
        return 'std::optional<%s>' % t if f.can_be_null else t
    if f.type == 'records':
        return 'std::optional<gregor::iobuf>'
    if f.can_be_null and f.type in ('string', 'bytes') or (f.can_be_null and f.is_struct):
        return 'std::optional<%s>' % e
    return e


def int_literal(text, t, where):
    try:
        v = int(text, 0)
    except ValueError:
        raise SchemaError('%s: bad integer default %r' % (where, text))
    lo, hi = INT_BOUNDS[t]
    if not lo <= v <= hi:
        raise SchemaError('%s: default %r out of range for %s' % (where, text, t))
    if t == 'int32' and v == -2**31:
        return '-2147483647 - 1'
    if t == 'int64' and v == -2**63:
        return '-9223372036854775807LL - 1'
    if t == 'int64':
        return text + 'LL' if not text.startswith('0x') else text + 'LL'
    if t == 'uint32':
        return text + 'U'
    return text


def default_kind(f):
    """'null' when the default is null, else 'value'."""
    return 'null' if f.default == 'null' else 'value'


def member_init(f, where):
    """The default member initializer text (including '=' or '{...}'), or ''."""
    t = f.type
    if f.is_array:
        if f.default not in (None, 'null'):
            raise SchemaError('%s: arrays may only default to null' % where)
        if f.can_be_null:
            return ' = std::nullopt' if f.default == 'null' else '{std::in_place}'
        if f.default == 'null':
            raise SchemaError('%s: null default on a non-nullable field' % where)
        return ''
    if t in INT_TYPES:
        return ' = %s' % int_literal(f.default or '0', t, where)
    if t == 'bool':
        d = f.default or 'false'
        if d not in ('true', 'false'):
            raise SchemaError('%s: bad bool default %r' % (where, d))
        return ' = %s' % d
    if t == 'float64':
        return ' = %s' % (repr(float(f.default)) if f.default else '0.0')
    if t == 'uuid':
        if f.default not in (None, '0', 'AAAAAAAAAAAAAAAAAAAAAA'):
            raise SchemaError('%s: only the zero uuid default is supported' % where)
        return ''
    if t == 'records':
        return ' = std::nullopt'
    if t in ('string', 'bytes') or f.is_struct:
        if f.default == 'null':
            if not f.can_be_null:
                raise SchemaError('%s: null default on a non-nullable field' % where)
            return ' = std::nullopt'
        if f.default not in (None, '""'):
            if t != 'string':
                raise SchemaError('%s: unsupported default %r' % (where, f.default))
            lit = f.default if f.default.startswith('"') else '"%s"' % f.default
            return ('{std::in_place, %s}' % lit) if f.can_be_null else (' = %s' % lit)
        return '{std::in_place}' if f.can_be_null else ''
    raise SchemaError('%s: no default rule for %s' % (where, t))


def string_default_literal(f):
    if f.default in (None, '""', 'null'):
        return None
    return f.default if f.default.startswith('"') else '"%s"' % f.default


def nondefault_expr(f, x, scope):
    """C++ expression: true when member expression `x` differs from the field's default."""
    t = f.type
    if f.is_array or t in ('bytes',) or (t == 'string'):
        if f.can_be_null:
            if f.default == 'null':
                return '%s.has_value()' % x
            lit = string_default_literal(f) if t == 'string' else None
            if lit:
                return '(!%s || *%s != %s)' % (x, x, lit)
            return '(!%s || !%s->empty())' % (x, x)
        lit = string_default_literal(f) if t == 'string' else None
        if lit:
            return '%s != %s' % (x, lit)
        return '!%s.empty()' % x
    if t == 'records':
        return '%s.has_value()' % x
    if f.is_struct:
        ref = struct_ref(f.struct, scope)
        if f.can_be_null:
            if f.default == 'null':
                return '%s.has_value()' % x
            return '(!%s || *%s != %s{})' % (x, x, ref)
        return '%s != %s{}' % (x, ref)
    if t == 'uuid':
        return '!%s.is_zero()' % x
    init = member_init(f, '')
    return '%s != %s' % (x, init.split('=', 1)[1].strip())


# ---------------------------------------------------------------------------------------------
# Code emission helpers

WRITE_PRIM = {
    'bool': 'w.write_bool(%s)', 'int8': 'w.write_int8(%s)', 'int16': 'w.write_int16(%s)',
    'int32': 'w.write_int32(%s)', 'int64': 'w.write_int64(%s)', 'uint16': 'w.write_uint16(%s)',
    'uint32': 'w.write_uint32(%s)', 'float64': 'w.write_float64(%s)', 'uuid': 'w.write_uuid(%s)',
}
READ_PRIM = {
    'bool': 'r.read_bool()', 'int8': 'r.read_int8()', 'int16': 'r.read_int16()',
    'int32': 'r.read_int32()', 'int64': 'r.read_int64()', 'uint16': 'r.read_uint16()',
    'uint32': 'r.read_uint32()', 'float64': 'r.read_float64()', 'uuid': 'r.read_uuid()',
}


class Emitter:
    def __init__(self):
        self.lines = []
        self.ind = 0

    def __call__(self, text=''):
        if text:
            self.lines.append('  ' * self.ind + text)
        else:
            self.lines.append('')

    def block(self, head):
        self(head + ' {')
        self.ind += 1

    def end(self, tail=''):
        self.ind -= 1
        self('}' + tail)

    def text(self):
        return '\n'.join(self.lines) + '\n'


class StructGen:
    """Emits encode/decode bodies for one struct of a message."""

    def __init__(self, msg, sd):
        self.msg = msg
        self.sd = sd
        # Nested structs are encoded with the message's version, so conditions are relative to
        # the message's valid range.
        self.valid = msg.versions

    def cond(self, vers):
        return vers.condition(self.valid)

    def tagged_range(self, f):
        return f.tagged.intersect(self.msg.flexible).intersect(f.versions).intersect(self.valid)

    def compact(self, f):
        return 'false' if f.flex_none else 'flex'

    # --- encode --------------------------------------------------------------------------
    def encode_value(self, e, f, x, nullable_cond):
        """Writes value `x` of field `f` (not tagged framing) with writer `w`."""
        c = self.compact(f)
        t = f.type
        if f.is_array:
            if f.can_be_null:
                e.block('if (!%s)' % x)
                self.write_null(e, nullable_cond, 'w.write_null_array(%s);' % c,
                                'w.write_array_length(0, %s);' % c)
                e.end(' else {')
                e.ind += 1
                e('const auto& vec = *%s;' % x)
            else:
                e('{')
                e.ind += 1
                e('const auto& vec = %s;' % x)
            e('w.write_array_length(vec.size(), %s);' % c)
            if f.is_struct:
                e('for (const auto& el : vec) el.encode(w, version);')
            else:
                e('for (const auto& el : vec) %s;' % self.prim_write(f.elem, 'el', c))
            e.end()
            return
        if t == 'records':
            if nullable_cond != 'true':
                e('assert((%s || %s.has_value()) && "null records at a version where they are not nullable");'
                  % ('false' if nullable_cond == 'false' else '(' + nullable_cond + ')', x))
            e('w.write_records(%s, %s);' % (x, c))
            return
        if t in ('string', 'bytes'):
            fn = t
            if f.can_be_null:
                # A present value is encoded the same whether or not the version allows null.
                e.block('if (%s)' % x)
                e('w.write_%s(*%s, %s);' % (fn, x, c))
                e.end(' else {')
                e.ind += 1
                self.write_null(e, nullable_cond, 'w.write_null_%s(%s);' % (fn, c),
                                'w.write_%s({}, %s);' % (fn, c))
                e.end()
            else:
                e('w.write_%s(%s, %s);' % (fn, x, c))
            return
        if f.is_struct:
            ref = struct_ref(f.struct, self.sd)
            if f.can_be_null:
                e.block('if (%s)' % x)
                if nullable_cond == 'true':
                    e('w.write_int8(1);')
                elif nullable_cond != 'false':
                    e('if (%s) w.write_int8(1);' % nullable_cond)
                e('%s->encode(w, version);' % x)
                e.end(' else {')
                e.ind += 1
                self.write_null(e, nullable_cond, 'w.write_int8(-1);', '%s{}.encode(w, version);' % ref)
                e.end()
            else:
                e('%s.encode(w, version);' % x)
            return
        e('%s;' % self.prim_write(t, x, c))

    def write_null(self, e, nullable_cond, null_stmt, empty_stmt):
        """Emits what to write for a null value: null where the version allows it; elsewhere a
        debug assertion and, in release builds, the empty value."""
        if nullable_cond == 'true':
            e(null_stmt)
            return
        msg = '"null value at a version where the field is not nullable"'
        if nullable_cond == 'false':
            e('assert(false && %s);' % msg)
            e(empty_stmt)
            return
        e.block('if (%s)' % nullable_cond)
        e(null_stmt)
        e.end(' else {')
        e.ind += 1
        e('assert(false && %s);' % msg)
        e(empty_stmt)
        e.end()

    def view_of(self, t, x):
        return 'std::string_view(%s)' % x if t == 'string' else 'gregor::bytes_view(%s)' % x

    def empty_view(self, t):
        return 'std::string_view()' if t == 'string' else 'gregor::bytes_view()'

    def prim_write(self, t, x, c):
        if t in WRITE_PRIM:
            return WRITE_PRIM[t] % x
        if t == 'string':
            return 'w.write_string(%s, %s)' % (x, c)
        if t == 'bytes':
            return 'w.write_bytes(%s, %s)' % (x, c)
        raise SchemaError('no writer for %s' % t)

    def emit_encode(self, e):
        sd, msg = self.sd, self.msg
        e.block('void %s::encode([[maybe_unused]] writer& w, [[maybe_unused]] int16_t version) const' % sd.qualified())
        if sd is msg:
            e('assert(version >= min_version && version <= max_version && "version out of range");')
        e('[[maybe_unused]] const bool flex = %s;' % self.cond(msg.flexible))
        tagged = []
        for f in sd.fields:
            x = f.member
            present = f.versions.intersect(self.valid)
            inline = Versions(present.lo, present.hi)
            if f.tag is not None:
                tagged.append(f)
            # versions where the field goes inline: present minus tagged (tagged is a suffix or all)
            if f.tag is not None and not f.tagged.empty():
                if f.tagged.covers(present):
                    inline = Versions(1, 0)
                elif f.tagged.hi >= present.hi and f.tagged.lo > present.lo:
                    inline = Versions(present.lo, f.tagged.lo - 1)
                else:
                    raise SchemaError('%s: unsupported tagged/versions shape' % f.name)
            cond = self.cond(inline)
            null_cond = f.nullable.condition(inline) if not inline.empty() else 'false'
            if cond == 'true':
                self.encode_value(e, f, x, null_cond)
                continue
            if cond != 'false':
                e.block('if (%s)' % cond)
                self.encode_value(e, f, x, null_cond)
                if not f.ignorable and f.tag is None:
                    e.end(' else {')
                    e.ind += 1
                    e('assert(!(%s) && "%s: non-default value at a version without the field");'
                      % (nondefault_expr(f, x, sd), f.name))
                e.end()
            elif not f.ignorable and f.tag is None:
                e('assert(!(%s) && "%s: non-default value at a version without the field");'
                  % (nondefault_expr(f, x, sd), f.name))
        # tagged section
        if msg.flexible.empty():
            e.end()
            e()
            return
        if not tagged:
            e('if (flex) w.write_uvarint(0);')
            e.end()
            e()
            return
        e.block('if (flex)')
        tagged.sort(key=lambda f: f.tag)
        e('uint32_t tag_count = 0;')
        checks = []
        for f in tagged:
            tc = self.cond(f.tagged.intersect(msg.flexible))
            check = nondefault_expr(f, f.member, sd)
            full = check if tc == 'true' else '(%s) && %s' % (tc, check)
            checks.append(full)
            e('const bool has_%s = %s;' % (f.member, full))
            e('tag_count += has_%s ? 1 : 0;' % f.member)
        e('w.write_uvarint(tag_count);')
        for f in tagged:
            e.block('if (has_%s)' % f.member)
            e('iobuf field_buf;')
            e('writer fw(field_buf);')
            inner = Emitter()
            inner.ind = e.ind
            self.encode_value(inner, f, f.member, f.nullable.condition(self.tagged_range(f)))
            for l in inner.lines:
                e.lines.append(re.sub(r'\bw\.', 'fw.', l).replace('encode(w, version)', 'encode(fw, version)'))
            e('w.write_tagged_field(%d, std::move(field_buf));' % f.tag)
            e.end()
        e.end()
        e.end()
        e()

    # --- decode --------------------------------------------------------------------------
    def decode_value(self, e, f, x, nullable_cond):
        c = self.compact(f)
        t = f.type
        if f.is_array:
            e('{')
            e.ind += 1
            e('const int32_t count = r.read_array_length(%s);' % c)
            if f.can_be_null:
                e.block('if (count < 0)')
                if nullable_cond == 'true':
                    e('%s.reset();' % x)
                elif nullable_cond == 'false':
                    e('r.fail("null array for a non-nullable field");')
                else:
                    e('if (%s) %s.reset(); else r.fail("null array for a non-nullable field");' % (nullable_cond, x))
                e.end(' else {')
                e.ind += 1
                e('auto& vec = %s.emplace();' % x)
            else:
                e('if (count < 0) r.fail("null array for a non-nullable field");')
                e('{')
                e.ind += 1
                e('auto& vec = %s;' % x)
            e('vec.clear();')
            e('vec.reserve(r.bounded_reserve(count));')
            if f.is_struct:
                e('for (int32_t k = 0; k < count && r.ok(); ++k) vec.emplace_back().decode(r, version);')
            else:
                e('for (int32_t k = 0; k < count && r.ok(); ++k) vec.push_back(%s);' % self.prim_read(f.elem, c))
            e.end()
            e.end()
            return
        if t == 'records':
            e('%s = r.read_records(%s);' % (x, c))
            if nullable_cond != 'true':
                e('if (!%s && !(%s)) r.fail("null records for a non-nullable field");' % (x, nullable_cond))
            return
        if t in ('string', 'bytes'):
            fn = 'string' if t == 'string' else 'bytes'
            if f.can_be_null:
                if nullable_cond == 'true':
                    e('%s = r.read_nullable_%s(%s);' % (x, fn, c))
                elif nullable_cond == 'false':
                    e('%s = r.read_%s(%s);' % (x, fn, c))
                else:
                    e('if (%s) %s = r.read_nullable_%s(%s); else %s = r.read_%s(%s);'
                      % (nullable_cond, x, fn, c, x, fn, c))
            else:
                e('%s = r.read_%s(%s);' % (x, fn, c))
            return
        if f.is_struct:
            if f.can_be_null:
                if nullable_cond == 'false':
                    e('%s.emplace().decode(r, version);' % x)
                else:
                    pre = '' if nullable_cond == 'true' else '!(%s) || ' % nullable_cond
                    e('if (%sr.read_int8() >= 0) %s.emplace().decode(r, version); else %s.reset();' % (pre, x, x))
            else:
                e('%s.decode(r, version);' % x)
            return
        e('%s = %s;' % (x, self.prim_read(t, c)))

    def prim_read(self, t, c):
        if t in READ_PRIM:
            return READ_PRIM[t]
        if t == 'string':
            return 'r.read_string(%s)' % c
        if t == 'bytes':
            return 'r.read_bytes(%s)' % c
        raise SchemaError('no reader for %s' % t)

    def emit_decode(self, e):
        sd, msg = self.sd, self.msg
        e.block('bool %s::decode([[maybe_unused]] reader& r, [[maybe_unused]] int16_t version)' % sd.qualified())
        if sd is msg:
            e('if (version < min_version || version > max_version) return r.fail("unsupported version");')
        e('*this = %s{};' % sd.cxx_name)
        e('[[maybe_unused]] const bool flex = %s;' % self.cond(msg.flexible))
        tagged = []
        for f in sd.fields:
            present = f.versions.intersect(self.valid)
            inline = Versions(present.lo, present.hi)
            if f.tag is not None:
                tagged.append(f)
                if f.tagged.covers(present):
                    inline = Versions(1, 0)
                else:
                    inline = Versions(present.lo, f.tagged.lo - 1)
            cond = self.cond(inline)
            if cond == 'false':
                continue
            if cond != 'true':
                e.block('if (%s)' % cond)
            self.decode_value(e, f, f.member, f.nullable.condition(inline))
            if cond != 'true':
                e.end()
        if not msg.flexible.empty():
            if not tagged:
                e('if (flex) r.skip_tagged_fields();')
            else:
                e.block('if (flex)')
                e('const uint32_t tag_count = r.read_uvarint();')
                e.block('for (uint32_t i = 0; i < tag_count && r.ok(); ++i)')
                e('reader::tagged_field tf;')
                e('if (!r.begin_tagged_field(tf)) break;')
                e.block('switch (tf.tag)')
                for f in sorted(tagged, key=lambda f: f.tag):
                    tc = self.cond(f.tagged.intersect(msg.flexible))
                    e.block('case %d:' % f.tag)
                    if tc != 'true':
                        e.block('if (%s)' % tc)
                    self.decode_value(e, f, f.member, f.nullable.condition(self.tagged_range(f)))
                    if tc != 'true':
                        e.end()
                    e('break;')
                    e.end()
                e('default:')
                e('  break;')
                e.end()
                e('r.end_tagged_field(tf);')
                e.end()
                e.end()
        e('return r.ok();')
        e.end()
        e()


# ---------------------------------------------------------------------------------------------
# Header / source emission

def walk_structs(sd):
    """Post-order within declaration order: children first, then the struct itself."""
    for c in sd.children:
        yield from walk_structs(c)
    yield sd


def emit_struct_decl(e, msg, sd, where):
    e.block('struct %s' % sd.cxx_name)
    if sd is msg:
        e('static constexpr int16_t api_key_value = %d;' % (msg.api_key if msg.api_key is not None else -1))
        e('static constexpr int16_t min_version = %d;' % msg.versions.lo)
        e('static constexpr int16_t max_version = %d;' % msg.versions.hi)
        e('static constexpr int16_t first_flexible_version = %d;' % msg.first_flexible)
        e()
    for c in sd.children:
        emit_struct_decl(e, msg, c, where)
        e()
    for f in sd.fields:
        comment = ''
        notes = ['v%s' % vtext(f.versions)]
        if f.can_be_null:
            notes.append('null v%s' % vtext(f.nullable))
        if f.tag is not None:
            notes.append('tag %d' % f.tag)
        if f.map_key:
            notes.append('map key')
        if f.entity:
            notes.append(f.entity)
        comment = '  // ' + ', '.join(notes)
        e('%s %s%s;%s' % (cxx_type(f, sd), f.member, member_init(f, '%s:%d' % (where, f.line)), comment))
    if sd.fields:
        e()
    e('void encode(writer& w, int16_t version) const;')
    e('bool decode(reader& r, int16_t version);')
    e('friend bool operator==(const %s&, const %s&) = default;' % (sd.cxx_name, sd.cxx_name))
    e.end(';')


def vtext(v):
    if v.empty():
        return ' none'
    if v.hi == MAX_VERSION:
        return '%d+' % v.lo
    if v.lo == v.hi:
        return '%d' % v.lo
    return '%d-%d' % (v.lo, v.hi)


def uses_type(sf, pred):
    def any_field(fields):
        for f in fields:
            if pred(f) or any_field(f.fields):
                return True
        return False
    for m in sf.messages:
        if any_field(m.fields) or any(any_field(c.fields) for c in m.common):
            return True
    return False


def emit_header(sf):
    e = Emitter()
    e('// Generated by src/protocol/codegen/generate.py from %s.schema. Do not edit.' % sf.stem)
    e('#pragma once')
    e()
    e('#include <cstdint>')
    e('#include <optional>')
    e('#include <string>')
    e('#include <vector>')
    e()
    e('#include "gregor/common/bytes.h"')
    if uses_type(sf, lambda f: f.type == 'records'):
        e('#include "gregor/common/iobuf.h"')
    if uses_type(sf, lambda f: f.elem == 'uuid'):
        e('#include "gregor/common/uuid.h"')
    e('#include "gregor/protocol/fwd.h"')
    e()
    e('namespace gregor::protocol {')
    e()
    for m in sf.messages:
        emit_struct_decl(e, m, m, sf.stem + '.schema')
        e()
    e('} // namespace gregor::protocol')
    return e.text()


def emit_source(sf):
    e = Emitter()
    e('// Generated by src/protocol/codegen/generate.py from %s.schema. Do not edit.' % sf.stem)
    e('#include "gregor/protocol/messages/%s.h"' % sf.stem)
    e()
    e('#include <cassert>')
    e('#include <utility>')
    e()
    e('#include "gregor/protocol/reader.h"')
    e('#include "gregor/protocol/writer.h"')
    e()
    e('namespace gregor::protocol {')
    e()
    for m in sf.messages:
        for sd in walk_structs(m):
            g = StructGen(m, sd)
            g.emit_encode(e)
            g.emit_decode(e)
    e('} // namespace gregor::protocol')
    return e.text()


def api_name(msg):
    return msg.schema_name[:-len('Request')]


def emit_api_table(files):
    reqs = []
    for sf in files:
        for m in sf.messages:
            if m.kind == 'request':
                reqs.append((m.api_key, m, sf))
    reqs.sort(key=lambda t: t[0])
    keys = [k for k, _, _ in reqs]
    if len(set(keys)) != len(keys):
        raise SchemaError('duplicate api keys')
    e = Emitter()
    e('// Generated by src/protocol/codegen/generate.py. Do not edit.')
    e('#include <array>')
    e()
    e('#include "gregor/protocol/api.h"')
    e('#include "gregor/protocol/reader.h"')
    for _, m, sf in reqs:
        e('#include "gregor/protocol/messages/%s.h"' % sf.stem)
    e()
    e('namespace gregor::protocol {')
    e()
    e('namespace {')
    e()
    e('constexpr std::array<api_descriptor, %d> table{{' % len(reqs))
    for k, m, sf in reqs:
        e('    {%d, "%s", %d, %d, %d},' % (k, api_name(m), m.versions.lo, m.versions.hi, m.first_flexible))
    e('}};')
    e()
    maxk = max(keys)
    idx = [-1] * (maxk + 1)
    for i, k in enumerate(keys):
        idx[k] = i
    e('// api key -> index into `table`, -1 when the key is not served.')
    e('constexpr std::array<int8_t, %d> index_by_key{{%s}};' % (maxk + 1, ', '.join(str(i) for i in idx)))
    e()
    e('} // namespace')
    e()
    e('std::span<const api_descriptor> all_apis() { return table; }')
    e()
    e('const api_descriptor* find_api(int16_t key) {')
    e('  if (key < 0 || static_cast<size_t>(key) >= index_by_key.size() || index_by_key[key] < 0) return nullptr;')
    e('  return &table[static_cast<size_t>(index_by_key[key])];')
    e('}')
    e()
    e('bool decode_request_body(int16_t api_key, int16_t api_version, reader& r) {')
    e('  switch (api_key) {')
    for k, m, sf in reqs:
        e('    case %d: {' % k)
        e('      %s msg;' % m.cxx_name)
        e('      return msg.decode(r, api_version);')
        e('    }')
    e('    default:')
    e('      return r.fail("unknown api key");')
    e('  }')
    e('}')
    e()
    e('} // namespace gregor::protocol')
    return e.text()


# ---------------------------------------------------------------------------------------------
# Round-trip tests

class FillGen:
    def __init__(self, msg):
        self.msg = msg

    def fill_value(self, e, f, x, sd):
        """Assigns a deterministic non-default value to `x` for version `version`."""
        null_cond = f.nullable.condition(self.msg.versions)
        if f.can_be_null and null_cond != 'false':
            pre = 'f.null_now()' if null_cond == 'true' else '(%s) && f.null_now()' % null_cond
            e.block('if (%s)' % pre)
            e('%s = std::nullopt;' % x)
            e.end(' else {')
            e.ind += 1
            self.fill_present(e, f, x, sd)
            e.end()
        else:
            self.fill_present(e, f, x, sd)

    def fill_present(self, e, f, x, sd):
        t = f.type
        if f.is_array:
            target = x
            if f.can_be_null:
                e('%s.emplace();' % x)
                target = '(*%s)' % x
            e('%s.resize(f.count());' % target)
            if f.is_struct:
                e('for (auto& el : %s) fill(el, version, f);' % target)
            else:
                e('for (auto& el : %s) el = %s;' % (target, self.prim_value(f.elem, None)))
            return
        if t == 'records':
            e('%s = f.records();' % x)
            return
        if f.is_struct:
            if f.can_be_null:
                e('fill(%s.emplace(), version, f);' % x)
            else:
                e('fill(%s, version, f);' % x)
            return
        e('%s = %s;' % (x, self.prim_value(t, f)))

    def prim_value(self, t, f):
        if t in INT_TYPES:
            d = member_init(f, '').split('=', 1)[1].strip() if f is not None else '0'
            return 'f.next_int<%s>(%s)' % (INT_TYPES[t], d)
        if t == 'bool':
            d = f.default if f is not None and f.default else 'false'
            return '!%s' % d
        if t == 'float64':
            return 'f.next_double()'
        if t == 'uuid':
            return 'f.next_uuid()'
        if t == 'string':
            return 'f.next_string()'
        if t == 'bytes':
            return 'f.next_bytes()'
        raise SchemaError('no filler for %s' % t)

    def emit_fill(self, e, sd):
        e.block('[[maybe_unused]] void fill(%s& m, [[maybe_unused]] int16_t version, [[maybe_unused]] filler& f)' % sd.qualified())
        for fld in sd.fields:
            present = fld.versions.intersect(self.msg.versions)
            cond = present.condition(self.msg.versions)
            if fld.tag is not None and not self.msg.flexible.covers(present.intersect(fld.tagged)):
                raise SchemaError('tagged field outside flexible versions')
            if cond == 'false':
                continue
            if cond != 'true':
                e.block('if (%s)' % cond)
            self.fill_value(e, fld, 'm.' + fld.member, sd)
            if cond != 'true':
                e.end()
        e.end()
        e()


def emit_test(sf):
    e = Emitter()
    e('// Generated by src/protocol/codegen/generate.py from %s.schema. Do not edit.' % sf.stem)
    e('#include "gregor/protocol/messages/%s.h"' % sf.stem)
    e()
    e('#include <gtest/gtest.h>')
    e()
    e('#include "roundtrip_support.h"')
    e()
    e('namespace gregor::protocol {')
    e('namespace {')
    e()
    e('using test_support::filler;')
    e()
    for m in sf.messages:
        g = FillGen(m)
        # Declarations first: fill() for a struct may call fill() for a struct declared later.
        for sd in walk_structs(m):
            e('[[maybe_unused]] void fill(%s& m, int16_t version, filler& f);' % sd.qualified())
        e()
        for sd in walk_structs(m):
            g.emit_fill(e, sd)
    for m in sf.messages:
        e('TEST(%s_roundtrip, %s) {' % (sf.stem, m.cxx_name))
        e('  test_support::check_all_versions(%s::min_version, %s::max_version,' % (m.cxx_name, m.cxx_name))
        e('      [](int16_t v, uint32_t seed, bool prefixes) {')
        e('        return test_support::run_roundtrip<%s>(' % m.cxx_name)
        e('            [](%s& m, int16_t mv, filler& f) { fill(m, mv, f); }, v, seed, prefixes);' % m.cxx_name)
        e('      });')
        e('}')
        e()
    e('} // namespace')
    e('} // namespace gregor::protocol')
    return e.text()


# ---------------------------------------------------------------------------------------------

def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding='utf-8') as fh:
            if fh.read() == text:
                return
    except FileNotFoundError:
        pass
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as fh:
        fh.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--schemas', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--tests', action='store_true')
    args = ap.parse_args()
    files = []
    try:
        for name in sorted(os.listdir(args.schemas)):
            if name.endswith('.schema'):
                sf = parse_file(os.path.join(args.schemas, name))
                for m in sf.messages:
                    resolve_message(m, name)
                files.append(sf)
        names = {}
        for sf in files:
            for m in sf.messages:
                if m.cxx_name in names:
                    raise SchemaError('%s: message %s also in %s' % (sf.stem, m.schema_name, names[m.cxx_name]))
                names[m.cxx_name] = sf.stem
        if args.tests:
            for sf in files:
                write_if_changed(os.path.join(args.out, sf.stem + '_roundtrip_test.cc'), emit_test(sf))
        else:
            for sf in files:
                write_if_changed(os.path.join(args.out, 'gregor/protocol/messages/%s.h' % sf.stem), emit_header(sf))
                write_if_changed(os.path.join(args.out, 'src/%s.cc' % sf.stem), emit_source(sf))
            write_if_changed(os.path.join(args.out, 'src/api_table.cc'), emit_api_table(files))
    except SchemaError as err:
        print('generate.py: error: %s' % err, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
