from django.urls import path

from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("cohorts/", views.cohort_list, name="list"),
    path("cohorts/new/", views.cohort_new, name="new"),
    path("c/<slug:slug>/", views.cohort_detail, name="detail"),
    path("c/<slug:slug>/join/<str:token>/", views.join, name="join"),
    path("c/<slug:slug>/members.csv", views.members_csv, name="members-csv"),
    path("c/<slug:slug>/feed/", views.CohortFeed(), name="feed"),
    path("c/<slug:slug>/badge.svg", views.badge, name="badge"),
    path("c/<slug:slug>/settings/", views.cohort_settings, name="settings"),
    path("c/<slug:slug>/invite/", views.invite, name="invite"),
    path("c/<slug:slug>/organizers/", views.add_organizer, name="add-organizer"),
    path("c/<slug:slug>/members/<str:handle>/remove/", views.remove_member, name="remove"),
    path("c/<slug:slug>/members/<str:handle>/readmit/", views.readmit_member, name="readmit"),
    path("c/<slug:slug>/nudge/", views.nudge, name="nudge"),
    path("c/<slug:slug>/sharing/", views.sharing, name="sharing"),
    path("c/<slug:slug>/leave/", views.leave, name="leave"),
    path("c/<slug:slug>/delete/", views.cohort_delete, name="delete"),
]
