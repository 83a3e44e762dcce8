from django.urls import path

from bench import views
from illdesk.urls import urlpatterns as application_urlpatterns

urlpatterns = [
    *application_urlpatterns,
    path("bench/baseline/", views.baseline, name="bench-baseline"),
]
