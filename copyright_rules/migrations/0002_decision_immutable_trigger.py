"""Refuse UPDATE on decisions at the database level: a decision, once taken, is evidence.

Deleting stays possible (the retention purge removes a whole record with its decisions).
On SQLite, a later migration that rebuilds the decision table drops this trigger: recreate it there.
"""

from django.db import migrations

_POSTGRES_FORWARD = (
    """
CREATE FUNCTION copyright_rules_decision_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'copyright decisions are immutable: record a new evaluation instead';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER copyright_rules_decision_no_update
    BEFORE UPDATE ON copyright_rules_decision
    FOR EACH ROW EXECUTE FUNCTION copyright_rules_decision_immutable()
""",
)
_POSTGRES_BACKWARD = (
    "DROP TRIGGER IF EXISTS copyright_rules_decision_no_update ON copyright_rules_decision",
    "DROP FUNCTION IF EXISTS copyright_rules_decision_immutable()",
)
_SQLITE_FORWARD = (
    """
CREATE TRIGGER copyright_rules_decision_no_update
BEFORE UPDATE ON copyright_rules_decision
BEGIN
    SELECT RAISE(ABORT, 'copyright decisions are immutable: record a new evaluation instead');
END
""",
)
_SQLITE_BACKWARD = ("DROP TRIGGER IF EXISTS copyright_rules_decision_no_update",)


def _run(schema_editor, postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    statements = {"postgresql": postgres, "sqlite": sqlite}.get(schema_editor.connection.vendor, ())
    for statement in statements:
        schema_editor.execute(statement)


def forward(apps, schema_editor) -> None:
    _run(schema_editor, _POSTGRES_FORWARD, _SQLITE_FORWARD)


def backward(apps, schema_editor) -> None:
    _run(schema_editor, _POSTGRES_BACKWARD, _SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("copyright_rules", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
