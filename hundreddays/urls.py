from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from api.endpoints import api
from hundreddays import views

# The admin signs in through allauth, so its rate limits cover the admin too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Hundred Days admin")
admin.site.site_title = _("Hundred Days admin")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon),
    path("robots.txt", views.robots),
    path("design/", views.design, name="design"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("account/tokens/", include("api.urls")),
    path("account/", include("accounts.urls")),
    path("", include("cohorts.urls")),
    path("", include("journal.urls")),
]
