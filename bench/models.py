from django.db import models
from django.utils import timezone


class Ping(models.Model):
    """The small row the baseline endpoint inserts."""

    user_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    # Declared because the type checker runs with the production settings, where this app is
    # not installed.
    objects: models.Manager["Ping"] = models.Manager()

    def __str__(self) -> str:
        return f"ping {self.pk}"
