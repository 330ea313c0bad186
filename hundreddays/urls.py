from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from hundreddays import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("robots.txt", views.robots),
    path(settings.ADMIN_URL, admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("", include("journal.urls")),
]
