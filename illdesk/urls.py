from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from catalog.urls import catalog_patterns
from illdesk import views
from illdesk.forms import AdminLoginForm
from registration.urls import account_patterns
from requests_app.iso18626.urls import iso18626_patterns
from requests_app.urls import desk_patterns, portal_patterns

admin.site.site_header = "illdesk staff"
admin.site.site_title = "illdesk staff"
admin.site.index_title = "Office administration"
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.IlldeskLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("register/", include("registration.urls")),
    path("account/", include(account_patterns)),
    path("requests/", include(portal_patterns)),
    path("desk/catalog/", include(catalog_patterns)),
    path("desk/scans/", include("delivery.urls")),
    path("desk/", include(desk_patterns)),
    path("iso18626/", include(iso18626_patterns)),
    path("fees/", include("fees.urls")),
]
