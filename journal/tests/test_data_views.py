"""My data: web import (upload → preview → confirm), export, account deletion, admin export."""

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from journal import services
from journal.logs import parse_json
from journal.models import Entry, Link, Round, Tag
from journal.tests.factories import log, make_round
from journal.tests.test_importing import SAMPLES, counts

pytestmark = pytest.mark.django_db

COMMUNITY = (SAMPLES / "community-log-en.md").read_bytes()


def upload(client, content=COMMUNITY, name="log.md", **fields):
    data = {"step": "preview", "file": SimpleUploadedFile(name, content, content_type="text/markdown")}
    data.update(fields)
    return client.post("/import/", data)


def confirm(client, response, **fields):
    return client.post("/import/", {"step": "confirm", "token": response.context["token"], **fields})


# --- the four view tests ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/import/", "/account/data/", "/account/data/export.json", "/account/delete/"]
)
def test_owner_gets_the_page(auth_client, url):
    assert auth_client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/import/", "/account/data/", "/account/data/export.zip", "/account/delete/"]
)
def test_anonymous_is_sent_to_sign_in(anon_client, url):
    response = anon_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "method, url",
    [
        ("put", "/import/"),
        ("post", "/account/data/"),
        ("post", "/account/data/export.json"),
        ("delete", "/account/delete/"),
    ],
)
def test_wrong_method_is_405(auth_client, method, url):
    assert getattr(auth_client, method)(url).status_code == 405


def test_another_user_cannot_confirm_or_see_my_preview(auth_client, other_client, user):
    preview = upload(auth_client)
    assert preview.status_code == 200
    before = counts()
    response = confirm(other_client, preview)
    assert response.status_code == 302 and response["Location"] == "/import/"
    assert counts() == before
    page = other_client.get("/import/").content.decode()
    assert "has expired" in page and "reading-list" not in page


# --- web import ---------------------------------------------------------------------------


def test_the_upload_form_states_the_limit_and_labels_every_input(auth_client):
    page = auth_client.get("/import/").content.decode()
    assert f"up to {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB" in page
    for name in ("file", "start", "round"):
        assert f'<label for="id_{name}">' in page


def test_the_preview_shows_the_days_and_writes_nothing(auth_client, user):
    before = counts()
    response = upload(auth_client)
    assert response.status_code == 200
    page = response.content.decode()
    assert "New round 1" in page and "100 Days Of Code - Log" in page
    assert page.count("<tr>") == 4  # a header and three days
    assert "2024-03-07" in page and "(line 21)" in page
    assert counts() == before


def test_confirm_writes_and_redirects_to_the_journal(auth_client, user):
    preview = upload(auth_client)
    response = confirm(auth_client, preview)
    assert response.status_code == 302
    assert response["Location"] == "/@ada/r1/"
    assert Entry.objects.filter(round__user=user).count() == 3
    follow = auth_client.get("/")
    assert "3 days added" in follow.content.decode()
    # The preview is used up: confirming it again does nothing.
    before = counts()
    assert confirm(auth_client, preview)["Location"] == "/import/"
    assert counts() == before


def test_re_uploading_the_same_file_has_nothing_to_import(auth_client, user):
    confirm(auth_client, upload(auth_client))
    page = upload(auth_client).content.decode()
    assert "already in your journal" in page and 'name="step" value="confirm"' not in page


def test_conflicts_are_shown_and_need_replace(auth_client, user):
    confirm(auth_client, upload(auth_client))
    services.update_entry(Entry.objects.get(day=1), progress="Edited on the site.")
    preview = upload(auth_client)
    page = preview.content.decode()
    assert "Conflict" in page and "progress" in page and 'name="replace"' in page
    before = counts()
    refused = confirm(auth_client, preview)
    assert refused.status_code == 409 and "2024-03-04" in refused.content.decode()
    assert counts() == before
    assert confirm(auth_client, preview, replace="on").status_code == 302
    assert Entry.objects.get(day=1).progress.startswith("Set up a Django project")


def test_an_undated_log_uses_the_start_date_and_a_target_round(auth_client, user):
    round = make_round(user, days_ago=10)
    content = b"## Day 1\nFirst.\n\n## Day 2\nSecond.\n"
    missing = upload(auth_client, content)
    assert missing.status_code == 400 and "give the start date" in missing.content.decode()
    preview = upload(auth_client, content, start=round.start_date.isoformat(), round=str(round.number))
    assert "Into your round 1" in preview.content.decode()
    confirm(auth_client, preview)
    assert round.entries.count() == 2


def test_a_broken_file_shows_the_error_with_its_line(auth_client):
    before = counts()
    response = upload(
        auth_client, b"# Log\n\n### Day 1: March 4, 2024\nOne.\n### Day 2: March 4, 2024\nTwo.\n"
    )
    assert response.status_code == 400
    assert "line 5: the date 2024-03-04 appears twice (first on line 3)" in response.content.decode()
    assert counts() == before


def test_problems_found_by_the_service_are_listed_with_their_lines(auth_client):
    content = b'{"format": "hundreddays", "version": 1, "rounds": [{"start_date": "2024-01-01", "target": 1, "entries": [{"date": "2024-01-01", "progress": "a"}, {"date": "2024-01-02", "progress": "b"}]}]}'
    response = upload(auth_client, content, name="backup.json")
    page = response.content.decode()
    assert "This file cannot be imported" in page and "more than its target of 1" in page
    assert 'name="step" value="confirm"' not in page


def test_a_file_over_the_limit_is_refused(auth_client):
    before = counts()
    response = upload(auth_client, b"a" * (settings.IMPORT_MAX_BYTES + 1))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert counts() == before


def test_a_body_declaring_more_than_the_limit_is_refused_before_it_is_read(auth_client):
    response = auth_client.generic(
        "POST",
        "/import/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.IMPORT_MAX_BYTES * 2),
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_the_import_checks_csrf(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert upload(client).status_code == 403
    assert client.post("/import/", {"step": "confirm", "token": "x"}).status_code == 403
    assert not Round.objects.exists()


def test_the_pending_import_stays_on_the_server(auth_client):
    preview = upload(auth_client)
    assert COMMUNITY.decode()[:40] not in preview.content.decode().split("<form")[-1]
    assert Session.objects.count() == 1


# --- my data and export -------------------------------------------------------------------


def test_my_data_links_to_downloads_and_import(auth_client, user):
    round = make_round(user)
    log(round, 1, 2)
    page = auth_client.get("/account/data/").content.decode()
    for url in ("/account/data/export.json", "/account/data/export.zip", "/import/", "/account/delete/"):
        assert url in page
    assert "2 entries" in page


def test_export_json_is_an_attachment_with_everything(auth_client, user):
    round = make_round(user)
    log(round, 1, tags=["python"], links=[services.LinkInput("https://example.com/a", "A")])
    response = auth_client.get("/account/data/export.json")
    assert response["Content-Disposition"].startswith('attachment; filename="hundreddays-ada-')
    data = parse_json(response.content.decode())
    assert data.profile["handle"] == "ada"
    assert data.rounds[0].entries[0].tags == ["python"]
    assert data.rounds[0].entries[0].links[0].url == "https://example.com/a"


def test_export_zip_has_one_markdown_file_per_round_in_my_language_and_the_json(auth_client, user):
    User.objects.filter(pk=user.pk).update(language="es")
    for days_ago in (30, 10):
        log(make_round(user, days_ago=days_ago), days_ago - 1)
    response = auth_client.get("/account/data/export.zip")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["hundreddays.json", "round-1.md", "round-2.md"]
    assert "### Día 1:" in archive.read("round-1.md").decode()
    assert len(json.loads(archive.read("hundreddays.json"))["rounds"]) == 2


def test_export_of_another_format_is_404(auth_client):
    assert auth_client.get("/account/data/export.csv").status_code == 404


def test_export_costs_the_same_queries_whatever_the_rows(auth_client, user, django_assert_max_num_queries):
    log(make_round(user, days_ago=30), 29, 28, tags=["a"])
    # session, user, rounds, entries, tags, links
    with django_assert_max_num_queries(6):
        auth_client.get("/account/data/export.json")
    for days_ago in (20, 10):
        log(make_round(user, days_ago=days_ago), days_ago - 1, days_ago - 2, tags=["b"])
    with django_assert_max_num_queries(6):
        auth_client.get("/account/data/export.json")


# --- account deletion ---------------------------------------------------------------------


def _everything(person, tag):
    round = make_round(person)
    log(round, 1, 2, tags=[tag, "shared"], links=[services.LinkInput("https://example.com/x")])
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    SocialAccount.objects.create(user=person, provider="google", uid=f"uid-{person.pk}")


def test_deleting_my_account_asks_for_my_email_or_delete(auth_client, user):
    page = auth_client.get("/account/delete/").content.decode()
    assert '<label for="id_confirm">' in page and "DELETE" in page
    response = auth_client.post("/account/delete/", {"confirm": "delete me"})
    assert response.status_code == 400
    assert "nothing was deleted" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize("typed", ["DELETE", "ADA@example.com"])
def test_deleting_my_account_removes_all_of_mine_and_nothing_of_anyone_else(
    auth_client, user, other_user, typed
):
    _everything(user, "only-ada")
    _everything(other_user, "only-grace")
    theirs = {
        "rounds": Round.objects.filter(user=other_user).count(),
        "entries": Entry.objects.filter(round__user=other_user).count(),
        "links": Link.objects.filter(entry__round__user=other_user).count(),
        "emails": EmailAddress.objects.filter(user=other_user).count(),
        "social": SocialAccount.objects.filter(user=other_user).count(),
    }

    response = auth_client.post("/account/delete/", {"confirm": typed})

    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Round.objects.filter(user_id=user.pk).exists()
    assert not Entry.objects.filter(round__user_id=user.pk).exists()
    assert not EmailAddress.objects.filter(user_id=user.pk).exists()
    assert not SocialAccount.objects.filter(user_id=user.pk).exists()
    assert Round.objects.count() == theirs["rounds"]
    assert Entry.objects.count() == theirs["entries"]
    assert Link.objects.count() == theirs["links"]
    assert EmailAddress.objects.count() == theirs["emails"]
    assert SocialAccount.objects.count() == theirs["social"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["only-grace", "shared"]
    # Signed out, with a message.
    assert auth_client.get("/account/data/")["Location"].startswith("/accounts/login/")
    assert "Your account and all its data are deleted" in auth_client.get("/").content.decode()


# --- admin action -------------------------------------------------------------------------


def test_the_admin_exports_selected_rounds(client, make_user, user):
    host = make_user("host@example.com", handle="host", is_staff=True, is_superuser=True)
    client.force_login(host)
    log(make_round(user), 1)
    rounds = list(Round.objects.values_list("pk", flat=True))
    url = "/admin/journal/round/"
    markdown = client.post(url, {"action": "export_markdown", "_selected_action": rounds})
    assert markdown["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(markdown.content)).namelist() == ["ada-r1.md"]
    document = client.post(url, {"action": "export_json", "_selected_action": rounds})
    assert document["Content-Disposition"].startswith('attachment; filename="hundreddays-ada-')
    assert len(parse_json(document.content.decode()).rounds) == 1


# --- how a real-shaped log was read (journal.logs notes) ---------------------------------

CORPUS = Path(__file__).resolve().parent / "samples" / "corpus"


def test_the_preview_lists_how_a_messy_log_was_read_per_round(auth_client):
    before = counts()
    response = upload(auth_client, (CORPUS / "29-messy-combination-crlf.md").read_bytes())
    assert response.status_code == 200
    page = response.content.decode()
    assert "How this file was read" in page
    assert "dates like “09/29/2023” read as month/day/year" in page
    assert "Line 30: day 3: nothing written, skipped" in page
    assert "Line 42: “Notes for next round” is no day" in page
    assert "Line 13: “[notes](notes/setup.md)” is not a web address: kept as text" in page
    assert 'name="date_order"' not in page  # only one reading fits
    assert counts() == before


def test_when_both_date_orders_fit_the_preview_asks_and_imports_the_chosen_one(auth_client, user):
    content = (CORPUS / "06-ambiguous-order.md").read_bytes()
    preview = upload(auth_client, content)
    page = preview.content.decode()
    assert 'name="date_order" value="dmy" id="id_date_order_dmy" checked' in page
    assert 'value="mdy" id="id_date_order_mdy">' in page
    assert "Which way are your dates written?" in page
    # The other reading: 01.11.22 is January 11, and the dates run to July.
    other = auth_client.post(
        "/import/", {"step": "order", "token": preview.context["token"], "date_order": "mdy"}
    )
    assert other.status_code == 200
    assert [e.date for e in other.context["plan"].rounds[0].entries][:2] == [
        datetime.date(2022, 1, 11),
        datetime.date(2022, 2, 11),
    ]
    assert 'value="mdy" id="id_date_order_mdy" checked' in other.content.decode()
    confirm(auth_client, other)
    round = Round.objects.get(user=user)
    assert round.start_date == datetime.date(2022, 1, 11)
    assert list(round.entries.order_by("date").values_list("date", flat=True))[-1] == datetime.date(
        2022, 7, 11
    )


def test_the_default_reading_is_imported_when_no_other_is_chosen(auth_client, user):
    preview = upload(auth_client, (CORPUS / "06-ambiguous-order.md").read_bytes())
    confirm(auth_client, preview)
    round = Round.objects.get(user=user)
    assert (round.start_date, round.entries.count()) == (datetime.date(2022, 11, 1), 6)


def test_a_file_of_two_rounds_becomes_two_rounds_all_or_nothing(auth_client, user):
    preview = upload(auth_client, (CORPUS / "15-two-rounds-headings.md").read_bytes())
    assert "round 2 starts here" in preview.content.decode()
    confirm(auth_client, preview)
    rounds = list(Round.objects.filter(user=user).order_by("number"))
    assert [(r.number, r.start_date, r.entries.count()) for r in rounds] == [
        (1, datetime.date(2021, 3, 1), 3),
        (2, datetime.date(2021, 6, 7), 3),
    ]
    assert rounds[1].description.startswith("Took a break")
    again = upload(auth_client, (CORPUS / "15-two-rounds-headings.md").read_bytes())
    assert not again.context["plan"].has_changes
