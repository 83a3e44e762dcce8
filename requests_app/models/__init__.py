"""Loan and copy requests from verified institutions, their timeline and the statistics'
tallies, one module each; the workflow statuses and what each means are in `status`.

Everything is imported from here: `from requests_app.models import Request, Status`."""

from requests_app.models.choices import (
    COPYRIGHT_FACT_FIELDS,
    CORRECTABLE_FIELDS,
    PLAIN_OUTCOMES,
    Carrier,
    DeliveryMethod,
    IntendedUse,
    RefusalReason,
    ReproductionFormat,
    RequestEmail,
    RequestType,
    RightsStatus,
    Service,
    WorkKind,
)
from requests_app.models.event import (
    UNREAD_LIBRARY_MESSAGE,
    Action,
    RequestEvent,
    RequestEventQuerySet,
)
from requests_app.models.queries import RENEWAL_PENDING, RequestQuerySet
from requests_app.models.request import Request
from requests_app.models.status import (
    CANCELLABLE_BY_INSTITUTION,
    ENDED_UNSUPPLIED,
    FINISHED,
    LOAN_OUT,
    OFFERED,
    OPEN,
    STATUS_ROWS,
    SUPPLIED,
    WAITING_FOR_LIBRARY,
    Ask,
    IsoStatus,
    PartnerStatus,
    Status,
    StatusRow,
    row_of,
    statuses,
)
from requests_app.models.tally import DayTally, InstitutionDayTally, TallyRefresh, TurnaroundTally

# isort: split
# The ISO 18626 models live with their protocol code; importing them here registers them with
# this app.
from requests_app.iso18626.models import IsoMessage, IsoPartner, IsoTransaction

__all__ = [
    "CANCELLABLE_BY_INSTITUTION",
    "COPYRIGHT_FACT_FIELDS",
    "CORRECTABLE_FIELDS",
    "ENDED_UNSUPPLIED",
    "FINISHED",
    "LOAN_OUT",
    "OFFERED",
    "OPEN",
    "PLAIN_OUTCOMES",
    "RENEWAL_PENDING",
    "STATUS_ROWS",
    "SUPPLIED",
    "UNREAD_LIBRARY_MESSAGE",
    "WAITING_FOR_LIBRARY",
    "Action",
    "Ask",
    "Carrier",
    "DayTally",
    "DeliveryMethod",
    "InstitutionDayTally",
    "IntendedUse",
    "IsoMessage",
    "IsoPartner",
    "IsoStatus",
    "IsoTransaction",
    "PartnerStatus",
    "RefusalReason",
    "ReproductionFormat",
    "Request",
    "RequestEmail",
    "RequestEvent",
    "RequestEventQuerySet",
    "RequestQuerySet",
    "RequestType",
    "RightsStatus",
    "Service",
    "Status",
    "StatusRow",
    "TallyRefresh",
    "TurnaroundTally",
    "WorkKind",
    "row_of",
    "statuses",
]
