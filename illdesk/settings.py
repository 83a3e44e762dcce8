"""illdesk settings: one module, driven by the environment.

With nothing set, illdesk runs embedded: SQLite (WAL, IMMEDIATE transactions), email to the
console, and Celery tasks on the worker `manage.py serve` starts, over a queue of files (eagerly
in-process for a command run on its own). `DATABASE_URL`, `CELERY_BROKER_URL`, `EMAIL_URL`
and friends switch to the full stack; `ILLDESK_PRODUCTION=true` turns on the deployment hardening
and refuses to start without a real `SECRET_KEY`. `.env.example` documents every variable.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from illdesk import logs
from illdesk.cache import caches_from
from illdesk.schedule import BEAT_SCHEDULE, EMBEDDED_BROKER_URL, embedded_broker_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("ILLDESK_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)

_INSECURE_KEY = "django-insecure-embedded-default-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY)
# Old keys still accepted for signatures while sessions migrate to a new SECRET_KEY (rotation).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
if PRODUCTION and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "ILLDESK_PRODUCTION is on but SECRET_KEY is missing or weak: set a random SECRET_KEY "
        "of at least 50 characters (see .env.example)."
    )
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when ILLDESK_PRODUCTION is on.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "illdesk.apps.LockoutsConfig",  # django-axes
    "illdesk",
    "registration",
    "copyright_rules",
    "requests_app",
    "catalog",
    "delivery",
    "policy",
    "fees",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "illdesk.middleware.nul_in_query_refused",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "illdesk.middleware.private_pages_not_cached",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "illdesk.urls"
WSGI_APPLICATION = "illdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "illdesk.office.context_processor",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite serialises writers; IMMEDIATE makes every transaction take the write lock at BEGIN, so a
# count-then-insert inside one transaction cannot race (the copyright rule of five relies on it).
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=20000;"
    ),
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**_SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    # Persistent connections, checked before reuse so a restarted PostgreSQL is survived.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------------------------
# Sessions are stored in the database and read through a cache that ignores Redis errors, so a
# page costs no session query while Redis is up and still renders while it is down.
CACHES = caches_from(env.cache("CACHE_URL", default="locmemcache://illdesk"))
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True  # an outage is logged, not silent
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)

# --- Authentication -------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with the user's institution loaded in the same query.
    "illdesk.auth.InstitutionUserBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Proxies in front of the application that append to X-Forwarded-For (0: none, trust nothing).
# illdesk.network.client_ip derives the client's address from it; see docs/operations.md.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# Brute-force protection (illdesk.auth.LockoutHandler): a (username, client IP) pair is locked
# after AXES_FAILURE_LIMIT failures, and a client IP after LOGIN_IP_FAILURE_LIMIT failures across
# all usernames, each for the cool-off period counted from the failure that locked it: failures
# during a lockout do not extend it. A lockout never stops the right password from elsewhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "illdesk.auth.LockoutHandler"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "illdesk.network.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "new_password", "old_password"]

# Public registration form: submissions accepted per client IP address per hour.
REGISTRATION_RATE_LIMIT = env.int("REGISTRATION_RATE_LIMIT", default=10)
# Working days staff usually take to verify a registration (told to the library on submission).
REGISTRATION_VERIFY_DAYS = env.int("REGISTRATION_VERIFY_DAYS", default=3)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Copyright rules (CONTU guidelines; see docs/copyright.md) -----------------------------------
# The zone that defines a request's local date and calendar year. Each record stores its own year,
# so changing this later never re-buckets history.
COPYRIGHT_TIME_ZONE = env.str("COPYRIGHT_TIME_ZONE", default=TIME_ZONE)
COPYRIGHT_PERIODICAL_LIMIT = env.int("COPYRIGHT_PERIODICAL_LIMIT", default=5)
COPYRIGHT_NONPERIODICAL_LIMIT = env.int("COPYRIGHT_NONPERIODICAL_LIMIT", default=5)
COPYRIGHT_NONPERIODICAL_SCOPE = env.str("COPYRIGHT_NONPERIODICAL_SCOPE", default="calendar_year")
COPYRIGHT_WINDOW_YEARS = env.int("COPYRIGHT_WINDOW_YEARS", default=5)
COPYRIGHT_DATE_MODE = env.str("COPYRIGHT_DATE_MODE", default="exact")
COPYRIGHT_MAX_FUTURE_YEARS = env.int("COPYRIGHT_MAX_FUTURE_YEARS", default=1)
COPYRIGHT_ONE_ARTICLE_PER_ISSUE = env.bool("COPYRIGHT_ONE_ARTICLE_PER_ISSUE", default=True)
COPYRIGHT_SMALL_PART_MAX_FRACTION = env.float("COPYRIGHT_SMALL_PART_MAX_FRACTION", default=0.10)
# When a counted request stops counting: "automatic" re-evaluates the held requests of its title
# at once, "staff" leaves that to staff in the clearance queue (docs/copyright.md section 5).
COPYRIGHT_HELD_REEVALUATION = env.str("COPYRIGHT_HELD_REEVALUATION", default="automatic")
# A permission reference a library enters waits for staff to confirm it before it releases a copy.
COPYRIGHT_CONFIRM_LIBRARY_PERMISSION = env.bool(
    "COPYRIGHT_CONFIRM_LIBRARY_PERMISSION", default=True
)
# The scheduled purge: records per batch, and seconds of rest after each batch so submissions keep
# their latency while a year's worth of records falls due (docs/performance.md measures both).
COPYRIGHT_PURGE_BATCH_SIZE = env.int("COPYRIGHT_PURGE_BATCH_SIZE", default=5000)
COPYRIGHT_PURGE_PAUSE = env.float("COPYRIGHT_PURGE_PAUSE", default=0.1)

# --- Requests (loans and copies) ------------------------------------------------------------
# Delivered PDFs stay downloadable this many days, then the daily task removes the file.
REQUESTS_DELIVERY_DAYS = env.int("REQUESTS_DELIVERY_DAYS", default=30)
# Days an invoice stays open before its library is reminded by email, and between reminders.
FEES_REMINDER_DAYS = env.int("FEES_REMINDER_DAYS", default=30)
REQUESTS_MAX_UPLOAD_BYTES = env.int("REQUESTS_MAX_UPLOAD_MB", default=50) * 1024 * 1024
# Electronic delivery (docs/delivery.md): the most pages one copy may have, Pillow's pixel limit
# against decompression bombs, OCRmyPDF's optimisation level (0-3) and its parallel jobs.
DELIVERY_MAX_PAGES = env.int("DELIVERY_MAX_PAGES", default=400)
DELIVERY_MAX_IMAGE_PIXELS = env.int("DELIVERY_MAX_IMAGE_PIXELS", default=89_478_485)
DELIVERY_OCR_OPTIMIZE = env.int("DELIVERY_OCR_OPTIMIZE", default=1)
DELIVERY_OCR_JOBS = env.int("DELIVERY_OCR_JOBS", default=1)
# The folder the scanner drops files into (manage.py deliver_scans), empty for none.
DELIVERY_HOT_FOLDER = env.str("DELIVERY_HOT_FOLDER", default="")
# Overdue loan notices, in days after the due date (ILLiad's defaults: 7 and 14).
REQUESTS_OVERDUE_FIRST_NOTICE_DAYS = env.int("REQUESTS_OVERDUE_FIRST_NOTICE_DAYS", default=7)
REQUESTS_OVERDUE_SECOND_NOTICE_DAYS = env.int("REQUESTS_OVERDUE_SECOND_NOTICE_DAYS", default=14)
REQUESTS_DUE_SOON_DAYS = env.int("REQUESTS_DUE_SOON_DAYS", default=3)
# The loan period the desk proposes when staff ship a loan (docs/desk.md, "Loans").
REQUESTS_LOAN_DAYS = env.int("REQUESTS_LOAN_DAYS", default=28)
# Renewals a library may ask for on one loan, and how many days before the due date it may ask.
REQUESTS_RENEWALS_MAX = env.int("REQUESTS_RENEWALS_MAX", default=2)
REQUESTS_RENEWAL_WINDOW_DAYS = env.int("REQUESTS_RENEWAL_WINDOW_DAYS", default=14)
# A passed need-before date flags the request for attention; with this on, a request not yet
# supplied is also refused ("unfilled") with the office-policy reason (docs/policy.md).
POLICY_UNFILL_PASSED_NEED_BY = env.bool("POLICY_UNFILL_PASSED_NEED_BY", default=False)

# --- Citation completion (docs/openurl.md, "Completing a citation") --------------------------
# Off by default: when on, a link's DOI or PMID is looked up at Crossref or NCBI PubMed for the
# fields the link left empty, all lookups of one link within CITATION_LOOKUP_TIMEOUT seconds.
CITATION_LOOKUP = env.bool("CITATION_LOOKUP", default=False)
CITATION_LOOKUP_TIMEOUT = env.float("CITATION_LOOKUP_TIMEOUT", default=3.0)
CITATION_CROSSREF_URL = env.str("CITATION_CROSSREF_URL", default="https://api.crossref.org")
CITATION_EUTILS_URL = env.str(
    "CITATION_EUTILS_URL", default="https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
)

# --- ISO 18626 (docs/iso18626.md) -------------------------------------------------------------
# The office's own agency id, as partners address it in `supplyingAgencyId`.
ISO18626_AGENCY_ID_TYPE = env.str("ISO18626_AGENCY_ID_TYPE", default="ISIL")
ISO18626_AGENCY_ID_VALUE = env.str("ISO18626_AGENCY_ID_VALUE", default="US-DLC")
# Largest message body accepted; anything bigger is refused unread.
ISO18626_MAX_BYTES = env.int("ISO18626_MAX_BYTES", default=256 * 1024)
# Outgoing messages: seconds to wait for a partner, the first retry delay (doubled each time)
# and the attempts before a message is marked failed for staff.
ISO18626_SEND_TIMEOUT = env.float("ISO18626_SEND_TIMEOUT", default=10.0)
ISO18626_RETRY_SECONDS = env.float("ISO18626_RETRY_SECONDS", default=30.0)
# At most this long, nothing about a request is sent while our confirmation of the partner's
# message about it is on its way (docs/iso18626.md, "Messages we send").
ISO18626_CONFIRMATION_WAIT = env.float("ISO18626_CONFIRMATION_WAIT", default=30.0)
ISO18626_MAX_ATTEMPTS = env.int("ISO18626_MAX_ATTEMPTS", default=10)
# What one sender may cost (docs/iso18626.md, "Limits"): messages per minute from one client
# address and for one agency id, the bytes one partner may add to the log in a day, and the days
# the metadata of a message that failed authentication is kept (its body never is).
ISO18626_RATE_LIMIT = env.int("ISO18626_RATE_LIMIT", default=120)
ISO18626_PARTNER_DAILY_BYTES = env.int("ISO18626_PARTNER_DAILY_BYTES", default=50 * 1024 * 1024)
ISO18626_UNAUTHENTICATED_DAYS = env.int("ISO18626_UNAUTHENTICATED_DAYS", default=90)
# Partners' message addresses must be https and resolve to public addresses only. For tests and
# development: allow plain http, and networks (CIDR) that would otherwise be refused.
ISO18626_ALLOW_HTTP = env.bool("ISO18626_ALLOW_HTTP", default=False)
ISO18626_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(net.strip(), strict=False))  # a typo stops the start, loudly
    for net in env.list("ISO18626_ALLOWED_NETWORKS", default=[])
    if net.strip()
]

# --- The office's catalog (docs/catalog.md) ---------------------------------------------------
# SRU base address (with the database path), or a Z39.50 target "host:port/database" when the
# catalog offers only that. Neither set: no lookups, the desk works as without a catalog.
CATALOG_SRU_URL = env.str("CATALOG_SRU_URL", default="")
CATALOG_SRU_VERSION = env.str("CATALOG_SRU_VERSION", default="1.1")
CATALOG_Z3950_TARGET = env.str("CATALOG_Z3950_TARGET", default="")
# The record schema (SRU) or element set (Z39.50): "marcxml", or "opacxml" where the catalog
# gives item status and due dates in OPAC records.
CATALOG_RECORD_SCHEMA = env.str("CATALOG_RECORD_SCHEMA", default="marcxml")
# The catalog's CQL index for each thing a lookup searches by; CATALOG_INDEXES names those that
# differ from these (docs/catalog.md, "The connection").
CATALOG_INDEXES = {
    "record": "rec.id",
    "lccn": "bath.lccn",
    "oclc": "bath.standardIdentifier",
    "isbn": "bath.isbn",
    "issn": "bath.issn",
    "title": "dc.title",
    "author": "dc.creator",
    **env.dict("CATALOG_INDEXES", default={}),
}
# Every lookup finishes (found, not found or failed) within this many seconds in all; an answer
# larger than CATALOG_MAX_BYTES is refused unread.
CATALOG_TIMEOUT = env.float("CATALOG_TIMEOUT", default=10.0)
CATALOG_MAX_BYTES = env.int("CATALOG_MAX_BYTES", default=2 * 1024 * 1024)
CATALOG_MAX_RECORDS = env.int("CATALOG_MAX_RECORDS", default=10)
# A failed lookup is tried again after this many minutes, doubled each time, at most this often.
CATALOG_RETRY_MINUTES = env.float("CATALOG_RETRY_MINUTES", default=5.0)
CATALOG_MAX_ATTEMPTS = env.int("CATALOG_MAX_ATTEMPTS", default=6)
# Answer clear cases (not owned, in use) from the catalog without staff: off unless the office
# turns it on. Each such answer says so on the request's timeline.
CATALOG_AUTO_ANSWER = env.bool("CATALOG_AUTO_ANSWER", default=False)

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
# Only a deployment collects static files; elsewhere WhiteNoise serves the source folders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# The embedded default's own files: its broker's queue and beat's schedule (manage.py serve).
DATA_DIR = Path(env.str("ILLDESK_DATA_DIR", default="") or BASE_DIR / "var")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, WhiteNoise serves straight from the source folders: no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- The office -----------------------------------------------------------------------------
# How libraries reach the office: shown in the page footer, on the cancel and confirmation pages,
# and in the signature of every email. OFFICE_ADDRESS may span lines written as \n.
OFFICE_NAME = env.str("OFFICE_NAME", default="Interlibrary Loan Office")
OFFICE_EMAIL = env.str("OFFICE_EMAIL", default="ill@illdesk.invalid")
OFFICE_PHONE = env.str("OFFICE_PHONE", default="")
OFFICE_ADDRESS = env.str("OFFICE_ADDRESS", default="", multiline=True)
OFFICE_HOURS = env.str("OFFICE_HOURS", default="")

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="") or f"{OFFICE_NAME} <{OFFICE_EMAIL}>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Django's SMTP backend with a total deadline on each send (illdesk/mail.py): EMAIL_TIMEOUT bounds
# each wait on the server, EMAIL_SEND_DEADLINE the whole exchange; a send cut at the deadline is
# retried by the outbox, whose lease on the message outlasts it (illdesk/outbox.py).
if vars()["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    EMAIL_BACKEND = "illdesk.mail.EmailBackend"
EMAIL_SEND_DEADLINE = env.float("EMAIL_SEND_DEADLINE", default=EMAIL_TIMEOUT + 5)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker: tasks run eagerly in the process that queues them. `manage.py serve` (`make run`) gives
# its web server, worker and beat EMBEDDED_BROKER_URL, a queue of files in DATA_DIR: the embedded
# default's tasks and scheduled jobs run on a real worker without Redis (docs/operations.md).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_BROKER_URL == EMBEDDED_BROKER_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = embedded_broker_options(DATA_DIR)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The periodic jobs `celery beat` runs (one table, illdesk/schedule.py).
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------------
LOGGING = logs.config(level=env.str("LOG_LEVEL", default="INFO"))
