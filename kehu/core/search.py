"""Chinese full-text search that behaves the same on SQLite and PostgreSQL.

A searchable model keeps a `search_text` column of space-separated tokens:
- CJK characters and every two-character bigram, so any fragment such as 科技
  or a two-character personal name matches;
- pinyin, full and initials, as suffixes starting at each syllable, so both
  "txkj" and "kejiyouxian" find 天讯科技有限公司 by prefix;
- every suffix of a phone number's digits, so "0013" finds 138-0013-8000;
- the first four characters of every token that starts with four digits (for phones: every digit
  4-gram), so a query of 4+ digits asks the index for one exact token plus, when longer, a prefix:
  an exact lookup whose planner estimate does not hang on luck (a bare prefix was 673 ms at 1M);
- the alphanumeric pieces of e-mails and other text.
Queries become an AND of tokens (bigrams for Chinese, prefixes for Latin and
digits). PostgreSQL indexes array_to_tsvector(tokens) with GIN; SQLite keeps an
FTS5 table (unicode61) in step through triggers. Neither database parses the
Chinese itself, which is why results are identical on both. See ADR 0002.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db import connection, connections, migrations, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from pypinyin import lazy_pinyin
from pypinyin.core import Pinyin

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_MAX_SUFFIX_RUN = 24  # pinyin suffixes only for the first 24 characters of a run


def normalise(text: str) -> str:
    """Full-width to half-width (ＡＢＣ１２３ -> abc123), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


_PINYIN = Pinyin()


@lru_cache(maxsize=100_000)
def _segment_pinyin(segment: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(segment, errors="ignore"))


def _pinyin(run: str) -> list[str]:
    """lazy_pinyin(run), segment by segment through a cache. pypinyin itself cuts a run into phrase
    segments and converts each on its own, so the result is the same; but company names are new
    combinations of the same few thousand segments (城市, 字号, 行业, 有限公司), and converting a
    segment is 3/4 of the cost."""
    return [syllable for segment in _PINYIN.seg(run) for syllable in _segment_pinyin(segment)]


def _pinyin_tokens(run: str) -> set[str]:
    syllables = [s for s in _pinyin(run[:_MAX_SUFFIX_RUN]) if s.isascii() and s.isalnum()]
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
    """Characters, bigrams and pinyin of one run of Chinese. Cached per process: names, positions,
    cities and company words repeat all the time. (jieba's words were stored here too until
    2026-12; no query ever asked for them, since query_terms turns Chinese into characters and
    bigrams, and cutting cost 15 % of building a customer.)"""
    tokens = set(run)
    tokens.update(run[i : i + 2] for i in range(len(run) - 1))
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


DIGIT_GRAM = 4


def with_digit_grams(tokens: set[str]) -> set[str]:
    """Add t[:4] for each token t that starts with four digits. Every token a digit query would match
    by prefix then also holds that query's first four digits as a whole token (for phones, whose
    suffixes are tokens, that is every 4-gram of the number)."""
    return tokens | {t[:DIGIT_GRAM] for t in tokens if len(t) > DIGIT_GRAM and t[:DIGIT_GRAM].isdigit()}


def add_digit_grams(document: str) -> str:
    """An existing search document with the digit grams added (for the migration that adds them)."""
    return " ".join(sorted(with_digit_grams(set(document.split()))))


def build_document(*, texts: Iterable[str] = (), phones: Iterable[str] = (), emails: Iterable[str] = ()) -> str:
    tokens: set[str] = set()
    for text in texts:
        tokens |= text_tokens(text or "")
    for phone in phones:
        tokens |= phone_tokens(phone or "")
    for email in emails:
        tokens |= email_tokens(email or "")
    return " ".join(sorted(with_digit_grams(tokens)))


def query_terms(query: str) -> list[tuple[str, bool]]:
    """(token, is_prefix) pairs that must all match."""
    terms: list[tuple[str, bool]] = []
    for run in _RUNS.findall(normalise(query)):
        if _CJK.match(run):
            if len(run) == 1:
                terms.append((run, False))
            else:
                terms.extend((run[i : i + 2], False) for i in range(len(run) - 1))
        elif run.isdigit() and len(run) >= DIGIT_GRAM:
            # One exact token (its first four digits) keeps the plan stable; the prefix keeps it exact.
            terms.append((run[:DIGIT_GRAM], False))
            if len(run) > DIGIT_GRAM:
                terms.append((run, True))
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
        vector = getattr(queryset.model, "search_vector_column", "")
        if vector:  # a stored tsvector: testing a row is cheap, whatever plan the planner picks
            document = f"{qn(table)}.{qn(vector)}"
        else:
            document = f"array_to_tsvector(string_to_array(NULLIF({qn(table)}.{qn(column)}, ''), ' '))"
        if vector and all(t.isdigit() for t, _prefix in terms) and any(not prefix for _t, prefix in terms):
            condition = _digits_condition(queryset.model, table, vector, tsquery)
        else:
            condition = RawSQL(  # noqa: S611 (identifiers from model meta; the query is a bound parameter)
                f"{document} @@ %s::tsquery",
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
    if any(f.name == "import_pending" for f in queryset.model._meta.concrete_fields):
        # rows of an import not yet switched on are never found; on PostgreSQL the GIN index
        # covers visible rows only, and this predicate lets any queryset (not just the default
        # manager's) use it (customers migration 0012)
        queryset = queryset.filter(import_pending__isnull=True)
    return queryset.filter(condition)


def _digits_condition(model: Any, table: str, vector: str, tsquery: str) -> RawSQL:
    """A phone or number fragment (digits only): the matching ids first, from the GIN index, then the
    rows by primary key. Asked as `vector @@ q` beside `ORDER BY id DESC LIMIT 51`, the planner walks
    the primary key backwards testing each row's document, expecting matches spread evenly; but the
    rows that share a number fragment sit together (numbers are handed out in ranges), so at 100,000
    customers "0013" (1,150 matches, estimated exactly) read 24,000 documents: 117 ms warm, 1.7 s
    cold. The ids of a fragment are few (each is a 4-digit gram), and fetching them is ~1 ms."""
    qn = connection.ops.quote_name
    staged = any(f.name == "import_pending" for f in model._meta.concrete_fields)
    visible = " AND import_pending IS NULL" if staged else ""
    return RawSQL(  # noqa: S611 (identifiers from model meta; the query is a bound parameter)
        f"{qn(table)}.{qn('id')} = ANY(ARRAY(SELECT {qn('id')} FROM {qn(table)} "
        f"WHERE {qn(vector)} @@ %s::tsquery{visible}))",
        [tsquery],
        output_field=BooleanField(),
    )


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


def store_search_vector(
    table: str, column: str = "search_text", vector: str = "search_vector", statistics: int = 1000
) -> migrations.RunPython:
    """Migration operation (PostgreSQL): the tsvector stored in a generated column with its own GIN
    index (replacing the expression index), and a larger statistics sample for it.

    With only an expression index, a row that the planner chooses to test one by one (walking the
    primary key for ORDER BY id DESC LIMIT 50, the right plan for a frequent term) rebuilds its
    tsvector from the text: ~100 µs a row, which the planner does not know; a 4-digit fragment that
    matches 5 % of customers took 640 ms at 20k. Stored, the test is a few µs. The model names the
    column in `search_vector_column`; the ORM never writes it (PostgreSQL computes it)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.connection.ops.quote_name
        schema_editor.execute(
            f"ALTER TABLE {qn(table)} ADD COLUMN {qn(vector)} tsvector GENERATED ALWAYS AS "
            f"(array_to_tsvector(string_to_array(NULLIF({qn(column)}, ''), ' '))) STORED"
        )
        schema_editor.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(vector)} SET STATISTICS {int(statistics)}")
        schema_editor.execute(f"CREATE INDEX {qn(table + '_search_vec_gin')} ON {qn(table)} USING GIN ({qn(vector)})")
        schema_editor.execute(f"DROP INDEX IF EXISTS {qn(table + '_search_gin')}")

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.connection.ops.quote_name
        _create_index(table, column)[0](apps, schema_editor)
        schema_editor.execute(f"ALTER TABLE {qn(table)} DROP COLUMN {qn(vector)}")

    return migrations.RunPython(forwards, backwards)


def set_search_statistics(table: str, target: int = 1000) -> migrations.RunPython:
    """Migration operation (PostgreSQL): a larger statistics sample for the GIN expression index, so the
    planner knows the frequencies of many more tokens (a fragment at 1M customers: 673 ms with the
    default sample, 53 ms with a larger one). ANALYZE (nightly, or after seed_demo) collects it."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            qn = schema_editor.connection.ops.quote_name
            schema_editor.execute(
                f"ALTER INDEX {qn(table + '_search_gin')} ALTER COLUMN 1 SET STATISTICS {int(target)}"
            )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            qn = schema_editor.connection.ops.quote_name
            schema_editor.execute(f"ALTER INDEX {qn(table + '_search_gin')} ALTER COLUMN 1 SET STATISTICS -1")

    return migrations.RunPython(forwards, backwards)


def add_digit_grams_migration(table: str, column: str = "search_text", batch: int = 5000) -> migrations.RunPython:
    """Migration operation: rewrite existing documents with their digit grams (string work only, no
    re-tokenising), in keyset batches."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        qn = connection.ops.quote_name
        last = 0
        with connection.cursor() as cursor:
            while True:
                cursor.execute(
                    f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s", [last, batch]
                )
                rows = cursor.fetchall()
                if not rows:
                    return
                last = rows[-1][0]
                changed = [(add_digit_grams(doc), pk) for pk, doc in rows if doc and add_digit_grams(doc) != doc]
                if changed:
                    with transaction.atomic(using=connection.alias):
                        cursor.executemany(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s", changed)

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def create_search_index(table: str, column: str = "search_text") -> migrations.RunPython:
    """Migration operation: the full-text index for `table.column` on either database."""
    forwards, backwards = _create_index(table, column)
    return migrations.RunPython(forwards, backwards)
