"""Demonstration data for registration: a small directory, one pending registration and one
verified institution. Idempotent: a second run reports what exists and changes nothing."""

from io import TextIOBase

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from registration.directory import with_match_keys
from registration.models import DirectoryRecord, Institution, Registration
from registration.passwords import generate_password
from registration.services import current_terms

DEMO_SOURCE = "Demo directory"
DIRECTORY = [
    {
        "record_key": "DLC", "oclc_symbol": "DLC", "isil": "US-DLC",
        "name": "Library of Congress", "street": "101 Independence Ave SE", "city": "Washington",
        "region": "DC", "postal_code": "20540", "phone": "202-707-5000",
    },
    {
        "record_key": "NYP", "oclc_symbol": "NYP", "isil": "US-NN",
        "name": "New York Public Library", "variant_names": "NYPL",
        "street": "476 Fifth Avenue", "city": "New York", "region": "NY",
        "postal_code": "10018", "phone": "917-275-6975",
    },
    {
        "record_key": "NDD", "oclc_symbol": "NDD", "isil": "US-NcD",
        "name": "Duke University Libraries", "variant_names": "Perkins Library",
        "street": "411 Chapel Drive", "city": "Durham", "region": "NC",
        "postal_code": "27708", "phone": "919-660-5870",
    },
    {
        "record_key": "UIU", "oclc_symbol": "UIU", "isil": "US-IU",
        "name": "University of Illinois at Urbana-Champaign Library",
        "street": "1408 West Gregory Drive", "city": "Urbana", "region": "IL",
        "postal_code": "61801", "phone": "217-333-2290",
    },
    {
        "record_key": "HLS", "oclc_symbol": "HLS", "isil": "US-MH",
        "name": "Harvard Library", "street": "Massachusetts Hall", "city": "Cambridge",
        "region": "MA", "postal_code": "02138", "phone": "617-495-2411",
    },
]  # fmt: skip

PENDING = {
    "oclc_symbol": "NYP", "name": "New York Public Library",
    "department": "Interlibrary Loan", "street": "476 5th Ave", "city": "New York",
    "region": "New York", "postal_code": "10018", "contact_name": "Pat Example",
    "email": "ill@nypl.example", "phone": "(917) 275-6975",
}  # fmt: skip
VERIFIED = {
    "name": "Library of Congress", "department": "Collection Services / ILL",
    "street": "101 Independence Ave SE", "city": "Washington", "region": "DC",
    "postal_code": "20540", "contact_name": "Demo Librarian", "email": "ill@loc.example",
    "phone": "202-707-5000",
}  # fmt: skip


def seed_demo(stdout: TextIOBase) -> None:
    with transaction.atomic():
        _seed_directory(stdout)
        _seed_pending(stdout)
        _seed_verified(stdout)


def _seed_directory(stdout: TextIOBase) -> None:
    for fields in DIRECTORY:
        DirectoryRecord.objects.update_or_create(
            source=DEMO_SOURCE,
            record_key=fields["record_key"],
            defaults={"country": "United States", **with_match_keys(fields)},
        )
    stdout.write(f"Demo directory: {len(DIRECTORY)} records ({DEMO_SOURCE}).\n")


def _seed_pending(stdout: TextIOBase) -> None:
    if Registration.objects.filter(oclc_symbol=PENDING["oclc_symbol"]).exists():
        stdout.write("Demo pending registration NYP exists.\n")
        return
    terms = current_terms()
    Registration.objects.create(
        **PENDING, terms_version=terms, terms_accepted_at=timezone.now(), ip_address="127.0.0.1"
    )
    stdout.write("Demo pending registration NYP created: approve it in the admin.\n")


def _seed_verified(stdout: TextIOBase) -> None:
    if Institution.objects.filter(oclc_symbol="DLC").exists():
        stdout.write("Demo institution DLC exists (password shown once).\n")
        return
    password = generate_password()
    user = get_user_model().objects.create_user(username="DLC", password=password)
    Institution.objects.create(oclc_symbol="DLC", user=user, verified_at=timezone.now(), **VERIFIED)
    # Printed once, to the operator's terminal only; only the hash is stored.
    stdout.write(f"Demo institution created: username 'DLC', password '{password}'\n")
