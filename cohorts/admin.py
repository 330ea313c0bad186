from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from cohorts.models import Cohort, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "round", "share_entries", "joined_at", "removed_at"]
    readonly_fields = ["joined_at"]
    raw_id_fields = ["user", "round"]
    extra = 0


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    """The invite link (token, expiry) is edited here too: clear the token to turn it off."""

    list_display = ["name", "slug", "start_date", "target", "rule", "visibility", "invite_on", "member_count"]
    list_filter = ["visibility", "rule", "language"]
    search_fields = ["name", "slug", "created_by__email", "created_by__handle"]
    date_hierarchy = "start_date"
    list_select_related = ["created_by"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["created_at"]
    fields = [
        "name",
        "slug",
        "description",
        "start_date",
        "target",
        "rule",
        "language",
        "visibility",
        "leaderboard",
        "created_by",
        "invite_token",
        "invite_expires_at",
        "created_at",
    ]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        # One query for the whole list page, counts included.
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("memberships", filter=Q(memberships__removed_at=None)))
        )

    @admin.display(description=_("members"), ordering="_members")
    def member_count(self, obj):
        return obj._members

    @admin.display(description=_("invite link on"), boolean=True)
    def invite_on(self, obj):
        return bool(obj.invite_token)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cohort", "role", "round", "share_entries", "joined_at", "removed_at"]
    list_filter = ["role", "share_entries", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__handle", "cohort__name", "cohort__slug"]
    list_select_related = ["user", "cohort", "round"]
    raw_id_fields = ["user", "cohort", "round"]
    readonly_fields = ["joined_at"]
