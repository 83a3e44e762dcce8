"""The queries the desk, the portal and the jobs ask of requests, with intent names."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from requests_app.models import status as table
from requests_app.models.choices import RequestType, Service
from requests_app.models.status import Status

if TYPE_CHECKING:
    from registration.models import Institution
    from requests_app.models.request import Request


class RequestQuerySet(models.QuerySet["Request"]):
    def for_institution(self, institution: Institution) -> RequestQuerySet:
        return self.filter(institution=institution)

    def open(self) -> RequestQuerySet:
        return self.filter(status__in=table.OPEN)

    def waiting_for_institution(self) -> RequestQuerySet:
        return self.filter(status__in=table.WAITING_FOR_LIBRARY)

    def loans_due_by(self, day: date) -> RequestQuerySet:
        return self.filter(status__in=table.LOAN_OUT, due_date__lte=day)

    def of_type(self, request_type: str) -> RequestQuerySet:
        if request_type == RequestType.LOAN:
            return self.filter(service=Service.LOAN)
        duplication = request_type == RequestType.REPRODUCTION
        return self.filter(service=Service.COPY, is_duplication=duplication)

    def with_listing(self) -> RequestQuerySet:
        """What lists show, in one query: the institution, the claimant, the record's outcome."""
        return self.select_related("institution", "claimed_by", "record")

    def likely_duplicates_of(self, request: Request) -> RequestQuerySet:
        """Same institution and citation within the last 12 months (a warning, never a block)."""
        since = request.created_at - timedelta(days=365)
        same = self.filter(
            institution_id=request.institution_id,
            service=request.service,
            title__iexact=request.title,
            article_title__iexact=request.article_title,
            volume=request.volume,
            issue=request.issue,
            created_at__gte=since,
        )
        return same.exclude(pk=request.pk).exclude(status=Status.CANCELLED)

    def expired_files(self, now: datetime) -> RequestQuerySet:
        return self.exclude(delivered_file="").filter(file_expires_at__lte=now)


# A loan whose library asked for a renewal that staff have not answered yet (renewing, declining,
# recalling, the return and marking it lost all end it). One definition for the desk's queue and
# the partial index that serves it.
RENEWAL_PENDING = Q(renewal_requested_at__isnull=False)
