import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from redis.exceptions import RedisError

from illdesk.cache import count_in_window
from illdesk.network import client_ip
from registration import services
from registration.access import InstitutionRequest, institution_required
from registration.forms import EmailPreferencesForm, RegistrationForm, RegistrationUpdateForm
from registration.models import TermsVersion

RATE_WINDOW_SECONDS = 60 * 60
logger = logging.getLogger(__name__)
RECEIVED_SESSION_KEY = "registration_reference"
DUPLICATE_SESSION_KEY = "registration_duplicate"


def _over_rate_limit(ip_address: str | None) -> bool:
    """Count submissions per address per hour, in the shared cache (Redis in production). With
    the cache unreachable the form stays open (docs/operations.md, "When Redis is down"): a
    registration is verified by staff anyway, and losing one is worse than a burst of spam."""
    key = f"registration:submissions:{ip_address or 'unknown'}"
    try:
        return count_in_window(key, RATE_WINDOW_SECONDS) > settings.REGISTRATION_RATE_LIMIT
    except (RedisError, OSError) as error:
        logger.warning("registration rate limit not applied (%s)", type(error).__name__)
        return False


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    terms = services.current_terms()
    form = RegistrationForm(request.POST or None, initial={"terms_version": terms})
    if request.method == "POST" and form.is_valid():
        # Only complete submissions count: correcting a typo never uses up the allowance.
        ip_address = client_ip(request)
        if _over_rate_limit(ip_address):
            context = _context(form, terms, rate_limited=True)
            return render(request, "registration/register.html", context, status=429)
        if not form.is_bot:
            registration = services.submit_registration(
                form.registration_data(),
                terms=form.cleaned_data["terms_version"],
                ip_address=ip_address,
            )
            # The confirmation page shows the reference: the browser that submitted may see it.
            request.session[RECEIVED_SESSION_KEY] = registration.reference
            request.session[DUPLICATE_SESSION_KEY] = registration.duplicate_of_id is not None
        return redirect("registration:received")
    return render(request, "registration/register.html", _context(form, terms, rate_limited=False))


def _context(
    form: RegistrationForm, terms: TermsVersion, *, rate_limited: bool
) -> dict[str, object]:
    return {"form": form, "terms": terms, "rate_limited": rate_limited}


def received(request: HttpRequest) -> HttpResponse:
    context = {
        "reference": request.session.get(RECEIVED_SESSION_KEY),
        "duplicate": request.session.get(DUPLICATE_SESSION_KEY, False),
        "verify_days": settings.REGISTRATION_VERIFY_DAYS,
    }
    return render(request, "registration/received.html", context)


@never_cache  # the registration's details, to whoever holds the link: no cache may keep them
@require_http_methods(["GET", "POST"])
def update(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a request for more information: the registrant corrects the registration."""
    registration = services.registration_to_update(token)
    if registration is None:
        return render(request, "registration/update.html", {"registration": None}, status=404)
    form = RegistrationUpdateForm(request.POST or None, instance=registration)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_registration(
                registration, details=form.details(), message=form.cleaned_data["message"]
            )
        except services.RegistrationAlreadyDecided:
            return render(request, "registration/update.html", {"registration": None}, status=404)
        request.session[RECEIVED_SESSION_KEY] = registration.reference
        request.session[DUPLICATE_SESSION_KEY] = False
        return redirect("registration:received")
    return render(request, "registration/update.html", {"registration": registration, "form": form})


@institution_required
@require_http_methods(["GET", "POST"])
def email_preferences(request: InstitutionRequest) -> HttpResponse:
    """The logged-in institution's own choice of optional emails: no other's is reachable."""
    institution = request.institution
    initial = {"emails": sorted(institution.wanted_emails())}
    # Not `request.POST or None`: with every box unticked the browser posts no field at all.
    data = request.POST if request.method == "POST" else None
    form = EmailPreferencesForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        institution.set_wanted_emails(form.cleaned_data["emails"])
        messages.success(request, "Your email choices are saved.")
        return redirect("account:emails")
    return render(request, "registration/email_preferences.html", {"form": form})
