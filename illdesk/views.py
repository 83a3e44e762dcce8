from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from illdesk.forms import LoginForm
from registration.access import institution_for


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


class IlldeskLoginView(LoginView):
    """Each kind of account lands on its own start page: a library on its dashboard, staff on
    the request desk. A `next` address still wins, as Django's LoginView does."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if institution_for(user) is not None:
            return reverse("requests:dashboard")
        if user.is_staff:
            return reverse("desk:queues")
        return super().get_default_redirect_url()
