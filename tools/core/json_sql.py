"""Portable, injection-free reads of one key of a JSON column, for segment conditions.

Segment specs filter on event properties (`properties.total gt 100`) and contact traits
(`traits.plan eq "pro"`). SQLite and PostgreSQL spell JSON access differently, so each reader
here is a small SQL construct compiled per dialect. The key is always a bound parameter, never
text spliced into SQL, and every reader is NULL-safe: a missing key, a JSON null or a value of
another type reads as "no value", so comparisons built on them are plainly true or false.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, String, bindparam, false, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

# SQLite's json_type() names, per JSON kind used here.
_SQLITE_KINDS = {"number": "('integer', 'real')", "string": "('text')", "true": "('true')",
                 "false": "('false')", "present": None}
_PG_KINDS = {"number": "'number'", "string": "'string'", "present": None}


class _JsonKey(FunctionElement):
    """Base: (document column, bound key); subclasses say what they read."""

    inherit_cache = True

    def __init__(self, document: Any, key: str) -> None:
        super().__init__(document, bindparam(None, key, type_=String))


class _JsonIs(_JsonKey):
    """True when the key holds a value of `kind` (number, string, true, false, present)."""

    type = Boolean()
    inherit_cache = True
    kind = "present"


class _JsonNumber(_JsonKey):
    """The key's value as a float when it is a JSON number, else NULL."""

    type = Float()
    inherit_cache = True


class _JsonText(_JsonKey):
    """The key's value when it is a JSON string, else NULL."""

    type = String()
    inherit_cache = True


def _parts(element: _JsonKey, compiler: Any, **kw: Any) -> tuple[str, str]:
    document, key = list(element.clauses)
    return compiler.process(document, **kw), compiler.process(key, **kw)


def _sqlite_type(element: _JsonKey, compiler: Any, **kw: Any) -> tuple[str, str]:
    document, key = _parts(element, compiler, **kw)
    path = f"'$.' || json_quote({key})"
    return f"json_type({document}, {path})", f"json_extract({document}, {path})"


def _pg_type(element: _JsonKey, compiler: Any, **kw: Any) -> tuple[str, str]:
    document, key = _parts(element, compiler, **kw)
    return f"jsonb_typeof({document} -> {key})", f"({document} ->> {key})"


@compiles(_JsonIs, "sqlite")
def _is_sqlite(element: _JsonIs, compiler: Any, **kw: Any) -> str:
    kind, _ = _sqlite_type(element, compiler, **kw)
    if element.kind == "present":
        return f"coalesce({kind} <> 'null', 0)"
    return f"coalesce({kind} IN {_SQLITE_KINDS[element.kind]}, 0)"


@compiles(_JsonIs, "postgresql")
def _is_pg(element: _JsonIs, compiler: Any, **kw: Any) -> str:
    kind, value = _pg_type(element, compiler, **kw)
    if element.kind == "present":
        return f"coalesce({kind} <> 'null', false)"
    if element.kind in ("true", "false"):
        return f"coalesce({kind} = 'boolean' AND {value} = '{element.kind}', false)"
    return f"coalesce({kind} = {_PG_KINDS[element.kind]}, false)"


# One class per kind: the kind is part of the class, so SQLAlchemy's statement cache (keyed
# on class and bound-parameter positions) never confuses a number test with a string test.
_KIND_TESTS = {
    kind: type(f"_JsonIs_{kind}", (_JsonIs,), {"kind": kind, "inherit_cache": True})
    for kind in ("number", "string", "true", "false", "present")
}


@compiles(_JsonNumber, "sqlite")
def _number_sqlite(element: _JsonNumber, compiler: Any, **kw: Any) -> str:
    kind, value = _sqlite_type(element, compiler, **kw)
    return f"(CASE WHEN {kind} IN ('integer', 'real') THEN {value} END)"


@compiles(_JsonNumber, "postgresql")
def _number_pg(element: _JsonNumber, compiler: Any, **kw: Any) -> str:
    # CASE, not AND: PostgreSQL may evaluate AND operands in any order, and a cast of a
    # non-numeric string would abort the whole query.
    kind, value = _pg_type(element, compiler, **kw)
    return f"(CASE WHEN {kind} = 'number' THEN CAST({value} AS DOUBLE PRECISION) END)"


@compiles(_JsonText, "sqlite")
def _text_sqlite(element: _JsonText, compiler: Any, **kw: Any) -> str:
    kind, value = _sqlite_type(element, compiler, **kw)
    return f"(CASE WHEN {kind} = 'text' THEN {value} END)"


@compiles(_JsonText, "postgresql")
def _text_pg(element: _JsonText, compiler: Any, **kw: Any) -> str:
    kind, value = _pg_type(element, compiler, **kw)
    return f"(CASE WHEN {kind} = 'string' THEN {value} END)"


def json_is(document: Any, key: str, kind: str) -> ColumnElement[bool]:
    """True when `document[key]` is a JSON `kind`: number, string, true, false or present."""
    return _KIND_TESTS[kind](document, key)


def json_number(document: Any, key: str) -> ColumnElement[float]:
    return _JsonNumber(document, key)


def json_text(document: Any, key: str) -> ColumnElement[str]:
    return _JsonText(document, key)


def is_true(expression: ColumnElement[Any]) -> ColumnElement[bool]:
    """A comparison that may be NULL (no value) made plainly true or false."""
    return func.coalesce(expression, false(), type_=Boolean)


class _JsonLinesContain(FunctionElement):
    """True when `document[key]` is a JSON array with a line that names `pattern`: a string line
    that contains it, an object line whose `name` contains it, or an object line whose
    `product_id` is one of `catalogue` (a one-column select of product ids)."""

    type = Boolean()
    inherit_cache = True

    def __init__(self, document: Any, key: str, pattern: str, catalogue: Any) -> None:
        super().__init__(document, bindparam(None, key, type_=String), bindparam(None, pattern, type_=String),
                         catalogue.scalar_subquery())


def json_lines_contain(document: Any, key: str, text: str, catalogue: Any) -> ColumnElement[bool]:
    """An order's product lines (`properties.products`) naming `text`, case-insensitively, by the
    line's own name or through the catalogue (`catalogue` selects the ids of products it names)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return _JsonLinesContain(document, key, f"%{escaped}%", catalogue)


def _lines_parts(element: _JsonLinesContain, compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(part, **kw) for part in element.clauses]


@compiles(_JsonLinesContain, "sqlite")
def _lines_sqlite(element: _JsonLinesContain, compiler: Any, **kw: Any) -> str:
    document, key, pattern, catalogue = _lines_parts(element, compiler, **kw)
    path = f"'$.' || json_quote({key})"
    # json_each of a path that is not an array walks an object's members or one scalar: the
    # array test keeps a product list's lines only.
    return (f"(coalesce(json_type({document}, {path}) = 'array', 0) AND EXISTS (SELECT 1 FROM json_each({document}, {path}) AS line "
            f"WHERE (line.type = 'text' AND lower(line.value) LIKE {pattern} ESCAPE '\\') "
            f"OR (line.type = 'object' AND (lower(json_extract(line.value, '$.name')) LIKE {pattern} ESCAPE '\\' "
            f"OR json_extract(line.value, '$.product_id') IN {catalogue}))))")


@compiles(_JsonLinesContain, "postgresql")
def _lines_pg(element: _JsonLinesContain, compiler: Any, **kw: Any) -> str:
    document, key, pattern, catalogue = _lines_parts(element, compiler, **kw)
    lines = f"(CASE WHEN jsonb_typeof({document} -> {key}) = 'array' THEN {document} -> {key} ELSE '[]'::jsonb END)"
    return (f"EXISTS (SELECT 1 FROM jsonb_array_elements({lines}) AS line(value) "
            f"WHERE (jsonb_typeof(line.value) = 'string' AND lower(line.value #>> '{{}}') LIKE {pattern} ESCAPE '\\') "
            f"OR (jsonb_typeof(line.value) = 'object' AND (lower(line.value ->> 'name') LIKE {pattern} ESCAPE '\\' "
            f"OR (line.value ->> 'product_id') IN {catalogue})))")
