"""Excel import of customers and contacts, as people really type them (SPEC M1, SOP 表1).

upload (import_start: limits, file stored) -> background preview (parse_import: every cell parsed,
duplicates checked per batch, rows staged in ImportRow; progress on the job) -> import_commit ->
background batched commit, invisible until one final switch (commit_import) -> done.
Design and trade-offs: docs/adr/0008-imports-staged-commit.md.
"""

from __future__ import annotations

from . import present, reader
from .columns import label as column_label
from .commit import import_cancel, import_commit, import_rollback
from .fixes import rows_to_fix_xlsx
from .preview import parse_row
from .tasks import commit_import, imports_sweep, parse_import
from .upload import import_start, require_importer

__all__ = [
    "column_label",
    "commit_import",
    "import_cancel",
    "import_commit",
    "import_rollback",
    "import_start",
    "imports_sweep",
    "parse_import",
    "parse_row",
    "present",
    "reader",
    "require_importer",
    "rows_to_fix_xlsx",
]
