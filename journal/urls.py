from django.urls import path, register_converter

from journal.converters import HandleConverter, IsoDateConverter
from journal.views import badge, dashboard, data, entries, feeds, og, public, rounds, stats

register_converter(IsoDateConverter, "isodate")
register_converter(HandleConverter, "handle")

app_name = "journal"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("explore/", public.explore, name="explore"),
    # The participant's own pages (ownership in every lookup).
    path("log/", entries.entry_new, name="entry-new"),
    path("rounds/", rounds.round_list, name="rounds"),
    path("rounds/new/", rounds.round_new, name="round-new"),
    path("rounds/<int:number>/settings/", rounds.round_settings, name="round-settings"),
    path("rounds/<int:number>/delete/", rounds.round_delete, name="round-delete"),
    path("rounds/<int:number>/<isodate:date>/edit/", entries.entry_edit, name="entry-edit"),
    path("rounds/<int:number>/<isodate:date>/delete/", entries.entry_delete, name="entry-delete"),
    path("import/", data.import_log, name="import"),
    path("account/data/", data.my_data, name="my-data"),
    path("account/data/export.<slug:fmt>", data.export, name="export"),
    path("account/data/r<int:number>.md", data.export_round, name="export-round"),
    path("account/delete/", data.delete_account, name="delete-account"),
    # Public pages: visible to anyone for public/unlisted rounds, to the owner for private ones.
    path("@<handle:handle>/", public.profile, name="profile"),
    path("@<handle:handle>/feed/", feeds.ParticipantFeed(), name="profile-feed"),
    path("@<handle:handle>/r<int:number>/", public.round_journal, name="round"),
    path("@<handle:handle>/r<int:number>/feed/", feeds.RoundFeed(), name="round-feed"),
    path("@<handle:handle>/r<int:number>/badge.svg", badge.badge, name="badge"),
    path("@<handle:handle>/r<int:number>/og.png", og.round_image, name="round-og"),
    path("@<handle:handle>/r<int:number>/<isodate:date>/og.png", og.entry_image, name="entry-og"),
    path("@<handle:handle>/r<int:number>/stats/", stats.stats, name="stats"),
    path("@<handle:handle>/r<int:number>/<isodate:date>/", public.entry_detail, name="entry"),
]
