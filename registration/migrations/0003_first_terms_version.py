from django.db import migrations

from registration.terms import FIRST_COPYRIGHT_STATEMENT, FIRST_TERMS


def publish_first_version(apps, schema_editor):
    TermsVersion = apps.get_model("registration", "TermsVersion")
    TermsVersion.objects.get_or_create(
        version=1, defaults={"terms": FIRST_TERMS, "copyright_statement": FIRST_COPYRIGHT_STATEMENT}
    )


class Migration(migrations.Migration):
    dependencies = [("registration", "0002_registration_directory_credentials")]

    operations = [migrations.RunPython(publish_first_version, migrations.RunPython.noop)]
