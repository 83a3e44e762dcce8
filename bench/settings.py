"""Settings for the benchmark only: the production settings plus the baseline endpoint.

The `bench` app and its URLconf exist only here, so the baseline endpoint is never routed in
production. Everything else (middleware, sessions, authentication, database options) is the
application's own configuration, driven by the same environment variables.
"""

from illdesk.settings import *  # noqa: F403
from illdesk.settings import INSTALLED_APPS, LOGGING

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# Request logging would measure the terminal, not the application.
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
