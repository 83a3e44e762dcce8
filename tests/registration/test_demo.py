from io import StringIO

import pytest

from registration.demo import seed_demo
from registration.models import DirectoryRecord, Institution, Registration


@pytest.mark.django_db
def test_demo_data_is_created_once_and_the_password_printed_once() -> None:
    first, second = StringIO(), StringIO()
    seed_demo(first)
    seed_demo(second)
    assert "password '" in first.getvalue()
    assert "password '" not in second.getvalue()
    assert "DLC exists" in second.getvalue()
    assert Institution.objects.get().oclc_symbol == "DLC"
    assert Registration.objects.get().status == "pending"
    assert DirectoryRecord.objects.filter(oclc_symbol="DLC").exists()
