"""The OpenAPI schema behind /api/docs/ is valid and has no generator warnings (enum names, path types)."""

from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for name in ("ComplaintStateEnum", "TicketStateEnum", "GradeEnum", "/api/customers/", "/api/complaints/"):
        assert name in text, name
