# The portal and desk fixtures of the request tests: policy acts on the same requests.
from tests.requests_app.conftest import (  # noqa: F401
    broker,
    desk,
    institution,
    media_root,
    other_institution,
    portal,
    staff,
)
