"""One round trip for the rule of five's lock and count (PostgreSQL only).

`copyright_rules_locked_priors` takes the advisory transaction lock for (institution, key, year)
and then selects the prior records that hold a slot, as `RecordQuerySet.priors_for` does. It is
VOLATILE PL/pgSQL, so under READ COMMITTED its SELECT takes a fresh snapshot after the lock is
granted and sees every record committed by the transaction that held the lock before. A single
SQL statement could not: its snapshot would predate the wait for the lock.

SQLite needs no function: its IMMEDIATE transactions already hold the database write lock.
"""

from django.db import migrations

_FORWARD = """
CREATE FUNCTION copyright_rules_locked_priors(
    p_lock_id bigint,
    p_institution_id bigint,
    p_title_key text,
    p_year integer,
    p_statuses text[]
) RETURNS SETOF copyright_rules_record AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_id);
    -- Two branches, so each uses the (institution, title_key, year) index to the full.
    IF p_year IS NULL THEN
        RETURN QUERY
            SELECT * FROM copyright_rules_record AS r
            WHERE r.institution_id = p_institution_id
              AND r.title_key = p_title_key
              AND r.status = ANY (p_statuses);
    ELSE
        RETURN QUERY
            SELECT * FROM copyright_rules_record AS r
            WHERE r.institution_id = p_institution_id
              AND r.title_key = p_title_key
              AND r.year = p_year
              AND r.status = ANY (p_statuses);
    END IF;
END;
$$ LANGUAGE plpgsql VOLATILE
"""
_BACKWARD = (
    "DROP FUNCTION IF EXISTS copyright_rules_locked_priors(bigint, bigint, text, integer, text[])"
)


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_FORWARD)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("copyright_rules", "0002_decision_immutable_trigger")]

    operations = [migrations.RunPython(forward, backward)]
