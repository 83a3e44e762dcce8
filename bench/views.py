from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.views.decorators.http import require_http_methods

from bench.models import Ping


@require_http_methods(["GET", "POST"])
@login_required
def baseline(request: HttpRequest) -> HttpResponse:
    """The floor the real endpoints are compared with: the same middleware, session and login
    check as a portal page, then one small INSERT. GET hands out the CSRF token the POST needs."""
    if request.method == "GET":
        return HttpResponse(get_token(request), content_type="text/plain")
    Ping.objects.create(user_id=request.user.pk)
    return HttpResponse(status=204)
