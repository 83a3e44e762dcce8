"""How every process logs (settings.LOGGING): one plain line per record on standard error."""


def config(*, level: str) -> dict[str, object]:
    """The logging dictConfig: the root logger at `level` (LOG_LEVEL), chatty libraries quieter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # WeasyPrint logs each layout step of every cover page at INFO.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }
