"""Chinese full-text search that behaves the same on SQLite and PostgreSQL.

A searchable model keeps a `search_text` column of space-separated tokens:
- CJK characters and every two-character bigram, so any fragment such as 科技
  or a two-character personal name matches (jieba's cut_for_search words too);
- pinyin, full and initials, as suffixes starting at each syllable, so both
  "txkj" and "kejiyouxian" find 天讯科技有限公司 by prefix;
- every suffix of a phone number's digits, so "0013" finds 138-0013-8000;
- the alphanumeric pieces of e-mails and other text.
Queries become an AND of tokens (bigrams for Chinese, prefixes for Latin and
digits). PostgreSQL indexes array_to_tsvector(tokens) with GIN; SQLite keeps an
FTS5 table (unicode61) in step through triggers. Neither database parses the
Chinese itself, which is why results are identical on both. See ADR 0002.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jieba
from django.db import connection, connections, migrations
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from pypinyin import lazy_pinyin

jieba.setLogLevel(logging.WARNING)

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_MAX_SUFFIX_RUN = 24  # pinyin suffixes only for the first 24 characters of a run


def normalise(text: str) -> str:
    """Full-width to half-width (ＡＢＣ１２３ -> abc123), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _pinyin_tokens(run: str) -> set[str]:
    syllables = [s for s in lazy_pinyin(run[:_MAX_SUFFIX_RUN], errors="ignore") if s.isascii() and s.isalnum()]
    initials = [s[0] for s in syllables]
    tokens: set[str] = set()
    for i in range(len(syllables)):
        tokens.add("".join(syllables[i:]))
        tokens.add("".join(initials[i:]))
    return tokens


def text_tokens(text: str) -> set[str]:
    tokens: set[str] = set()
    for run in _RUNS.findall(normalise(text)):
        if _CJK.match(run):
            tokens |= _cjk_run_tokens(run)
        else:
            tokens.add(run)
    return tokens


@lru_cache(maxsize=50_000)
def _cjk_run_tokens(run: str) -> frozenset[str]:
    """Characters, bigrams, jieba words and pinyin of one run of Chinese. Cached per process: names,
    positions, cities and company words repeat all the time, and jieba plus pypinyin cost ~1 ms a run."""
    tokens = set(run)
    tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    tokens.update(w for w in jieba.cut_for_search(run) if w.strip())
    return frozenset(tokens | _pinyin_tokens(run))


def phone_tokens(phone: str) -> set[str]:
    digits = "".join(ch for ch in normalise(phone) if ch.isdigit())
    return {digits[i:] for i in range(max(len(digits) - 2, 0))} if digits else set()


def email_tokens(email: str) -> set[str]:
    text = normalise(email)
    tokens = set(_RUNS.findall(text))
    compact = "".join(_RUNS.findall(text))
    if compact:
        tokens.add(compact)
    return tokens


def build_document(*, texts: Iterable[str] = (), phones: Iterable[str] = (), emails: Iterable[str] = ()) -> str:
    tokens: set[str] = set()
    for text in texts:
        tokens |= text_tokens(text or "")
    for phone in phones:
        tokens |= phone_tokens(phone or "")
    for email in emails:
        tokens |= email_tokens(email or "")
    return " ".join(sorted(tokens))


def query_terms(query: str) -> list[tuple[str, bool]]:
    """(token, is_prefix) pairs that must all match."""
    terms: list[tuple[str, bool]] = []
    for run in _RUNS.findall(normalise(query)):
        if _CJK.match(run):
            if len(run) == 1:
                terms.append((run, False))
            else:
                terms.extend((run[i : i + 2], False) for i in range(len(run) - 1))
        else:
            terms.append((run, True))
    return list(dict.fromkeys(terms))


def search(queryset: QuerySet[Any], query: str, *, column: str = "search_text") -> QuerySet[Any]:
    """Rows of queryset whose search column matches every term of query."""
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    table = queryset.model._meta.db_table
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"'{t}'" + (":*" if prefix else "") for t, prefix in terms)
        condition = RawSQL(  # noqa: S611 (identifiers from model meta; the query is a bound parameter)
            f"array_to_tsvector(string_to_array(NULLIF({qn(table)}.{qn(column)}, ''), ' ')) @@ %s::tsquery",
            [tsquery],
            output_field=BooleanField(),
        )
    else:
        match = " ".join(f'"{t}"' + ("*" if prefix else "") for t, prefix in terms)
        fts = qn(f"{table}_fts")
        condition = RawSQL(  # noqa: S611 (identifiers from model meta; the query is a bound parameter)
            f"{qn(table)}.{qn('id')} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)",
            [match],
            output_field=BooleanField(),
        )
    return queryset.filter(condition)


def _sqlite_trigger_sql(table: str, column: str, qn: Any) -> list[str]:
    """The triggers that keep an external-content FTS5 table in step with its table."""
    fts = f"{table}_fts"
    return [
        f"CREATE TRIGGER {qn(fts + '_ai')} AFTER INSERT ON {qn(table)} BEGIN "
        f"INSERT INTO {qn(fts)}(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER {qn(fts + '_ad')} AFTER DELETE ON {qn(table)} BEGIN "
        f"INSERT INTO {qn(fts)}({qn(fts)}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
        f"CREATE TRIGGER {qn(fts + '_au')} AFTER UPDATE OF {column} ON {qn(table)} BEGIN "
        f"INSERT INTO {qn(fts)}({qn(fts)}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {qn(fts)}(rowid, {column}) VALUES (new.id, new.{column}); END",
    ]


TRIGGER_SUFFIXES = ("_ai", "_ad", "_au")


def repair_sqlite_search_triggers(using: str = "default") -> list[str]:
    """Recreate the FTS triggers of every search index whose table SQLite rebuilt, and reindex it.

    SQLite cannot add a NOT NULL column in place: Django copies the table into a new one, and the
    triggers on the old table are gone with it, so the search index silently stops following the
    table. Run after every migrate (CoreConfig connects it to post_migrate), so no migration has to
    remember it. Returns the tables it repaired.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    qn = connection.ops.quote_name
    repaired = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")
        for (fts,) in cursor.fetchall():
            if not fts.endswith("_fts"):
                continue
            table = fts.removesuffix("_fts")
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            present = {name for (name,) in cursor.fetchall()}
            if {fts + suffix for suffix in TRIGGER_SUFFIXES} <= present:
                continue
            cursor.execute(f"PRAGMA table_info({qn(fts)})")
            column = cursor.fetchone()[1]
            for suffix in TRIGGER_SUFFIXES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {qn(fts + suffix)}")
            for statement in _sqlite_trigger_sql(table, column, qn):
                cursor.execute(statement)
            cursor.execute(f"INSERT INTO {qn(fts)}({qn(fts)}) VALUES ('rebuild')")
            repaired.append(table)
    return repaired


def _create_index(table: str, column: str):  # type: ignore[no-untyped-def]
    def forwards(apps: Any, schema_editor: Any) -> None:
        qn = schema_editor.connection.ops.quote_name
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX {qn(table + '_search_gin')} ON {qn(table)} USING GIN "
                f"(array_to_tsvector(string_to_array(NULLIF({qn(column)}, ''), ' ')))"
            )
        elif schema_editor.connection.vendor == "sqlite":
            fts = f"{table}_fts"
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {qn(fts)} USING fts5({column}, content={qn(table)}, "
                f"content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
            )
            for statement in _sqlite_trigger_sql(table, column, qn):
                schema_editor.execute(statement)
            schema_editor.execute(f"INSERT INTO {qn(fts)}({qn(fts)}) VALUES ('rebuild')")

    def backwards(apps: Any, schema_editor: Any) -> None:
        qn = schema_editor.connection.ops.quote_name
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {qn(table + '_search_gin')}")
        elif schema_editor.connection.vendor == "sqlite":
            for suffix in ("_ai", "_ad", "_au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {qn(table + '_fts' + suffix)}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {qn(table + '_fts')}")

    return forwards, backwards


def create_search_index(table: str, column: str = "search_text") -> migrations.RunPython:
    """Migration operation: the full-text index for `table.column` on either database."""
    forwards, backwards = _create_index(table, column)
    return migrations.RunPython(forwards, backwards)
