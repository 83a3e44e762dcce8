from typing import Any

import pytest

from tests.requests_app.conftest import (  # noqa: F401  (the shared request fixtures)
    broker,
    desk,
    institution,
    media_root,
    portal,
    staff,
)
from tests.services import ZebraCatalog


def use_catalog(settings: Any, catalog: ZebraCatalog, *, protocol: str = "sru") -> None:
    settings.CATALOG_SRU_URL = catalog.sru_url if protocol == "sru" else ""
    settings.CATALOG_Z3950_TARGET = catalog.target if protocol == "z3950" else ""
    settings.CATALOG_INDEXES = {
        "record": "rec.id",
        "lccn": "bath.lccn",
        "oclc": "bath.standardIdentifier",
        "isbn": "bath.isbn",
        "issn": "bath.issn",
        "title": "dc.title",
        "author": "dc.creator",
    }
    settings.CATALOG_TIMEOUT = 10.0
    settings.CATALOG_AUTO_ANSWER = False


@pytest.fixture
def catalog(settings: Any, zebra_catalog: ZebraCatalog) -> ZebraCatalog:
    """The shared test catalog over SRU, as the office's catalog."""
    use_catalog(settings, zebra_catalog)
    return zebra_catalog
