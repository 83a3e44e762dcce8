"""Factories any app's tests may share: an institution with its login account, and staff."""

from typing import cast

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from registration.models import Institution


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")


class StaffFactory(UserFactory):
    """A superuser staff member (every permission); give `is_superuser=False` for a plain one."""

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    is_superuser = True


class InstitutionFactory(factory.django.DjangoModelFactory):
    """A verified, active institution whose login account is its OCLC symbol."""

    class Meta:
        model = Institution

    oclc_symbol = factory.Sequence(lambda n: f"Q{n:04d}")
    name = factory.Sequence(lambda n: f"Test Library {n}")
    department = "Interlibrary Loan"
    street = "1 Main Street"
    city = "Springfield"
    region = "IL"
    postal_code = "62701"
    contact_name = "Pat Librarian"
    email = factory.Sequence(lambda n: f"ill{n}@library.example")
    phone = "217-555-0100"
    verified_at = factory.LazyFunction(timezone.now)
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..oclc_symbol"))


def make_institution(**fields: object) -> Institution:
    """A typed shortcut for InstitutionFactory (factory-boy returns Any to type checkers)."""
    return cast(Institution, InstitutionFactory(**fields))


def make_staff(**fields: object) -> User:
    return cast(User, StaffFactory(**fields))
