import factory
from django.contrib.auth.models import User
from django.utils import timezone

from registration.directory import with_match_keys
from registration.models import DirectoryRecord, Institution, Registration
from registration.services import current_terms


class StaffFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"verifier{n}")
    is_staff = True
    is_superuser = True


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    class Meta:
        model = Registration

    oclc_symbol = factory.Sequence(lambda n: f"T{n:04d}")
    name = "Springfield Public Library"
    department = "Interlibrary Loan"
    street = "742 Evergreen Terrace"
    city = "Springfield"
    region = "IL"
    postal_code = "62701"
    contact_name = "Lisa Simpson"
    email = factory.Sequence(lambda n: f"ill{n}@library.example")
    phone = "217-555-0100"
    terms_version = factory.LazyFunction(current_terms)
    terms_accepted_at = factory.LazyFunction(timezone.now)
    ip_address = "192.0.2.10"


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution

    oclc_symbol = factory.Sequence(lambda n: f"I{n:04d}")
    name = "Shelbyville Library"
    street = "1 Main Street"
    city = "Shelbyville"
    region = "IL"
    postal_code = "62565"
    contact_name = "Contact"
    email = "contact@shelbyville.example"
    phone = "217-555-0199"
    verified_at = factory.LazyFunction(timezone.now)
    user = factory.LazyAttribute(lambda o: User.objects.create_user(o.oclc_symbol, password=None))


def directory_record(**fields: str) -> DirectoryRecord:
    defaults = {
        "source": "Test directory",
        "record_key": fields.get("oclc_symbol", "X"),
        "name": "X",
    }
    merged = {**defaults, **fields}
    source = merged.pop("source")
    return DirectoryRecord.objects.create(source=source, **with_match_keys(merged))
