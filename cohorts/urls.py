from django.urls import path, register_converter

from cohorts import views
from journal.converters import HandleConverter


class CohortSlugConverter:
    """A cohort's slug as made (short): a longer path is a 404, never a giant redirect."""

    regex = r"[-a-zA-Z0-9_]{1,80}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class InviteTokenConverter(CohortSlugConverter):
    regex = r"[-a-zA-Z0-9_]{1,64}"


register_converter(CohortSlugConverter, "cohort")
register_converter(InviteTokenConverter, "invite")
register_converter(HandleConverter, "member")

app_name = "cohorts"

urlpatterns = [
    path("cohorts/", views.cohort_list, name="list"),
    path("cohorts/new/", views.cohort_new, name="new"),
    path("c/<cohort:slug>/", views.cohort_detail, name="detail"),
    path("c/<cohort:slug>/join/<invite:token>/", views.join, name="join"),
    path("c/<cohort:slug>/members.csv", views.members_csv, name="members-csv"),
    path("c/<cohort:slug>/feed/", views.CohortFeed(), name="feed"),
    path("c/<cohort:slug>/badge.svg", views.badge, name="badge"),
    path("c/<cohort:slug>/settings/", views.cohort_settings, name="settings"),
    path("c/<cohort:slug>/invite/", views.invite, name="invite"),
    path("c/<cohort:slug>/organizers/", views.add_organizer, name="add-organizer"),
    path("c/<cohort:slug>/members/<member:handle>/remove/", views.remove_member, name="remove"),
    path("c/<cohort:slug>/members/<member:handle>/readmit/", views.readmit_member, name="readmit"),
    path("c/<cohort:slug>/nudge/", views.nudge, name="nudge"),
    path("c/<cohort:slug>/sharing/", views.sharing, name="sharing"),
    path("c/<cohort:slug>/leave/", views.leave, name="leave"),
    path("c/<cohort:slug>/delete/", views.cohort_delete, name="delete"),
]
