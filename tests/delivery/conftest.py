from tests.requests_app.conftest import (  # noqa: F401  (the desk's fixtures, shared)
    broker,
    desk,
    institution,
    media_root,
    other_institution,
    portal,
    staff,
)
