"""The title authority's version, and a locked count that reports it (docs/copyright.md section 1,
"A staff change that meets a submission").

A submission derives its key from the authority before it takes the lock of that key. A staff
change committed in between would leave it counting under a key whose priors were just moved. The
version, a one-row counter every staff change increments, is read in the statement that reads the
authority; `copyright_rules_locked_priors` now also takes the authority lock in shared mode (a
staff change takes it exclusively before it re-keys), then returns the version as it is once both
locks are held, in a first row, followed by the prior records. A different version tells the
submission to read the authority again.

Only the columns the rules read are returned: the function no longer returns whole records.
SQLite needs neither: its IMMEDIATE transactions already exclude every other writer.
"""

import importlib

from django.db import migrations, models

_DROP_PREVIOUS = (
    "DROP FUNCTION IF EXISTS copyright_rules_locked_priors(bigint, bigint, text, integer, text[])"
)
_FORWARD = """
CREATE FUNCTION copyright_rules_locked_priors(
    p_authority_lock_id bigint,
    p_lock_id bigint,
    p_institution_id bigint,
    p_title_key text,
    p_year integer,
    p_statuses text[]
) RETURNS TABLE (
    authority_version bigint,
    id bigint,
    status text,
    outcome text,
    counted boolean,
    year integer,
    title_key text,
    work_kind text,
    citation jsonb
) AS $$
#variable_conflict use_column
BEGIN
    -- Shared before the key's lock, in this order everywhere: a staff change holds it
    -- exclusively from before it re-keys until it commits.
    PERFORM pg_advisory_xact_lock_shared(p_authority_lock_id);
    PERFORM pg_advisory_xact_lock(p_lock_id);
    -- A statement of its own, so its snapshot is taken after both locks were granted.
    RETURN QUERY SELECT
        COALESCE((SELECT v.version FROM copyright_rules_authorityversion AS v WHERE v.id = 1), 0),
        NULL::bigint, NULL::text, NULL::text, NULL::boolean, NULL::integer, NULL::text,
        NULL::text, NULL::jsonb;
    -- Two branches, so each uses the (institution, title_key, year) index to the full.
    IF p_year IS NULL THEN
        RETURN QUERY
            SELECT NULL::bigint, r.id, r.status::text, r.outcome::text, r.counted,
                   r.year::integer, r.title_key::text, r.work_kind::text, r.citation
            FROM copyright_rules_record AS r
            WHERE r.institution_id = p_institution_id
              AND r.title_key = p_title_key
              AND r.status = ANY (p_statuses);
    ELSE
        RETURN QUERY
            SELECT NULL::bigint, r.id, r.status::text, r.outcome::text, r.counted,
                   r.year::integer, r.title_key::text, r.work_kind::text, r.citation
            FROM copyright_rules_record AS r
            WHERE r.institution_id = p_institution_id
              AND r.title_key = p_title_key
              AND r.year = p_year
              AND r.status = ANY (p_statuses);
    END IF;
END;
$$ LANGUAGE plpgsql VOLATILE
"""
_DROP = (
    "DROP FUNCTION IF EXISTS "
    "copyright_rules_locked_priors(bigint, bigint, bigint, text, integer, text[])"
)


def _previous_function() -> str:
    return importlib.import_module(
        "copyright_rules.migrations.0003_locked_priors_function"
    )._FORWARD


def forward(apps, schema_editor) -> None:
    apps.get_model("copyright_rules", "AuthorityVersion").objects.create(id=1, version=0)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_DROP_PREVIOUS)
        schema_editor.execute(_FORWARD)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_DROP)
        schema_editor.execute(_previous_function())


class Migration(migrations.Migration):
    dependencies = [("copyright_rules", "0006_key_confirmed_by")]

    operations = [
        migrations.CreateModel(
            name="AuthorityVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="authorityversion_one_row"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
