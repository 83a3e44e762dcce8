from typing import Any

import pytest

from registration.directory import with_match_keys
from registration.matching import find_candidates
from registration.models import DirectoryRecord
from tests.registration.factories import RegistrationFactory, directory_record

pytestmark = pytest.mark.django_db
STATES = ["IL", "NY", "OH", "CA", "TX", "MA", "NC", "DC", "WA", "OR"]


def build_directory(size: int) -> None:
    rows = [
        DirectoryRecord(
            source="Bulk",
            **with_match_keys(
                {
                    "record_key": f"B{n:05d}",
                    "name": f"Library number {n}",
                    "street": f"{n} Main Street",
                    "city": f"Town {n % 700}",
                    "region": STATES[n % len(STATES)],
                    "postal_code": f"{10000 + n % 900:05d}",
                    "phone": f"555{n:07d}",
                }
            ),
        )
        for n in range(size)
    ]
    DirectoryRecord.objects.bulk_create(rows, batch_size=2000)


def test_matching_against_10000_rows_takes_two_queries(django_assert_num_queries: Any) -> None:
    build_directory(10_000)
    registration = RegistrationFactory.create(
        name="Library number 4242", city="Town 42", postal_code="10642", phone="5550004242"
    )
    with django_assert_num_queries(2):
        candidates = find_candidates(registration)
    assert candidates[0].record.record_key == "B04242"


def test_fuzzy_match_tolerates_abbreviations_and_formatting() -> None:
    directory_record(
        record_key="NY1",
        name="OXFORD MEMORIAL LIBRARY",
        city="OXFORD",
        region="NY",
        postal_code="13830",
        phone="6078432151",
    )
    registration = RegistrationFactory.create(
        name="Oxford Memorial Library",
        city="Oxford",
        region="New York",
        postal_code="13830-1234",
        phone="(607) 843-2151",
    )
    best = find_candidates(registration)[0]
    agreeing = {c.label for c in best.comparisons if c.agrees}
    assert {"name", "city", "region", "postal_code", "phone"} <= agreeing
    assert best.score >= 80


def test_same_name_in_another_state_scores_below_the_local_library() -> None:
    directory_record(record_key="A", name="OXFORD PUBLIC LIBRARY", city="OXFORD", region="MS",
                     postal_code="38655")  # fmt: skip
    directory_record(record_key="B", name="OXFORD PUBLIC LIBRARY", city="OXFORD", region="CT",
                     postal_code="06478")  # fmt: skip
    registration = RegistrationFactory.create(
        name="Oxford Public Library", city="Oxford", region="CT", postal_code="06478"
    )
    first, second = find_candidates(registration)[:2]
    assert first.record.record_key == "B"
    assert first.score > second.score


def test_variant_names_count_for_the_name_match() -> None:
    directory_record(record_key="GB", name="Bodleian Libraries", variant_names="Bodleian Library",
                     city="Oxford")  # fmt: skip
    registration = RegistrationFactory.create(name="Bodleian Library", city="Oxford")
    name = find_candidates(registration)[0].comparisons[0]
    assert name.similarity == 100


def test_registration_with_nothing_in_common_has_no_candidates() -> None:
    directory_record(record_key="Z", name="Elsewhere Library", city="Elsewhere")
    registration = RegistrationFactory.create(city="Springfield", postal_code="62701")
    assert find_candidates(registration) == []


def test_street_abbreviations_and_ordinals_agree() -> None:
    directory_record(record_key="NYP", name="New York Public Library", street="476 Fifth Avenue",
                     postal_code="10018")  # fmt: skip
    registration = RegistrationFactory.create(name="New York Public Library", street="476 5th Ave",
                                              postal_code="10018")  # fmt: skip
    street = find_candidates(registration)[0].comparisons[1]
    assert street.label == "street"
    assert street.agrees
