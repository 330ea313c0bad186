from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hundreddays.textsafety import StripControlCharacters


class UserAdminChangeForm(StripControlCharacters, UserChangeForm):
    pass


class UserAdminCreationForm(StripControlCharacters, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    ordering = ["email"]
    list_display = [
        "email",
        "handle",
        "display_name",
        "language",
        "time_zone",
        "round_count",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "language", "reminders"]
    search_fields = ["email", "handle", "display_name"]
    date_hierarchy = "date_joined"
    readonly_fields = ["last_login", "date_joined", "last_reminded_on"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "handle", "first_name", "last_name", "avatar_url"]}),
        (
            _("Preferences"),
            {"fields": ["time_zone", "rollover_hour", "language", "reminders", "last_reminded_on"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(round_count=Count("rounds"))

    @admin.display(description=_("rounds"), ordering="round_count")
    def round_count(self, obj):
        return obj.round_count
