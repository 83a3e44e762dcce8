"""The office's contact details, from settings, as one typed object for pages and emails."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class OfficeContact:
    name: str
    email: str
    phone: str
    address: str
    hours: str

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]


def office_contact() -> OfficeContact:
    return OfficeContact(
        name=settings.OFFICE_NAME,
        email=settings.OFFICE_EMAIL,
        phone=settings.OFFICE_PHONE,
        address=settings.OFFICE_ADDRESS,
        hours=settings.OFFICE_HOURS,
    )


def context_processor(request: HttpRequest) -> dict[str, OfficeContact]:
    return {"office": office_contact()}
