from io import StringIO

import pytest
from django.core.management import call_command

from fees.models import Charge, Fee

pytestmark = pytest.mark.django_db


def test_the_demo_charges_its_supplied_requests_and_runs_twice() -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert Fee.objects.count() == 4
    assert Charge.objects.filter(kind="supply").exists()
