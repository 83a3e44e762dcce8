from django.db import migrations

from registration.terms import COPYRIGHT_WARNING_TEXT, FIRST_TERMS


def publish_first_version(apps, schema_editor):
    TermsVersion = apps.get_model("registration", "TermsVersion")
    TermsVersion.objects.get_or_create(
        version=1, defaults={"terms": FIRST_TERMS, "copyright_statement": COPYRIGHT_WARNING_TEXT}
    )


class Migration(migrations.Migration):
    dependencies = [("registration", "0002_registration_directory_credentials")]

    operations = [migrations.RunPython(publish_first_version, migrations.RunPython.noop)]
