"""Journey: a teacher runs a cohort. The organizer creates it and copies the invite link; a student
signs in through the (fake) Google from the join page, joins and logs today; the organizer sees
it, nudges the one member who has not logged, and the student leaves. In English and in Spanish."""

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

WORDS = {
    "en": {
        "locale": "en-US",
        "name": "Evening class",
        "new": "Start a cohort",
        "name_label": "Name",
        "create": "Create the cohort",
        "shares": "What joining shares with the organizers",
        "sign_in_to_join": "Sign in to join",
        "google": "Sign in with Google",
        "join": "Join the cohort",
        "welcome": "Welcome to Evening class!",
        "progress": "Today's progress",
        "log": "Log today",
        "logged": "logged",
        "not_yet": "not yet",
        "nudge": "Nudge 1 member",
        "nudged": "A nudge went to 1 member.",
        "subject": "Evening class: today is waiting for your entry",
        "leave": "Leave the cohort",
        "left": "You left Evening class.",
    },
    "es": {
        "locale": "es-ES",
        "name": "Clase de la tarde",
        "new": "Crear un grupo",
        "name_label": "nombre",
        "create": "Crear el grupo",
        "shares": "Qué compartes con quienes organizan el grupo al unirte",
        "sign_in_to_join": "Inicia sesión para unirte",
        "google": "Iniciar sesión con Google",
        "join": "Unirme al grupo",
        "welcome": "¡Te damos la bienvenida a Clase de la tarde!",
        "progress": "Progreso de hoy",
        "log": "Registra hoy",
        "logged": "registrado",
        "not_yet": "aún no",
        "nudge": "Recordar a 1 miembro",
        "nudged": "Se envió un recordatorio a 1 miembro.",
        "subject": "Clase de la tarde: hoy espera tu entrada",
        "leave": "Salir del grupo",
        "left": "Saliste de Clase de la tarde.",
    },
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_organizer_runs_a_cohort_with_a_student_who_signs_in_with_google(
    app, lang, member, make_user, fake_google, new_context, sign_in, screenshot
):
    w = WORDS[lang]
    member.language = lang
    member.save()
    mail.outbox.clear()

    # 1. The organizer creates the cohort and copies the invite link.
    organizer = new_context(locale=w["locale"]).new_page()
    sign_in(organizer.context, member)
    organizer.goto(app + "/cohorts/")
    organizer.get_by_role("link", name=w["new"]).click()
    organizer.get_by_label(w["name_label"], exact=False).first.fill(w["name"])
    organizer.locator("#id_take_part").uncheck()
    organizer.get_by_role("button", name=w["create"]).click()
    invite = organizer.locator("#invite-url").input_value()
    assert invite.startswith("http") and "/join/" in invite
    path = invite[invite.index("/c/") :]

    # A classmate who joined earlier and has not logged today.
    from cohorts import services
    from cohorts.models import Cohort

    cohort = Cohort.objects.get()
    linus = make_user("linus@example.com", handle="linus", display_name="Linus", language=lang)
    services.join(cohort, linus)

    # 2. The student opens the link, reads what is shared, signs in with Google and comes back.
    fake_google.set_profile(name="Marie Curie", email="marie@example.com", sub="1867", locale=lang)
    student = new_context(locale=w["locale"]).new_page()
    student.goto(app + path)
    expect(student.get_by_role("heading", name=w["shares"])).to_be_visible()
    screenshot(student, f"cohort-{lang}-join-visitor")
    student.get_by_role("link", name=w["sign_in_to_join"]).click()
    student.get_by_role("button", name=w["google"]).click()
    student.wait_for_url(fake_google.url + "/**")
    student.get_by_role("button", name="Continue").click()
    student.wait_for_url(app + path + "**")  # the same join page
    student.get_by_role("button", name=w["join"]).click()
    expect(student.locator(".message")).to_contain_text(w["welcome"])
    expect(student.locator("tr.me")).to_contain_text("Marie Curie")

    student.goto(app + "/")
    student.get_by_label(w["progress"]).fill("Cohort day one: **lists** and loops.")
    student.get_by_role("button", name=w["log"]).click()
    expect(student.locator(".message").first).to_be_visible()

    # 3. The organizer's table shows the student as logged today, the classmate not yet.
    organizer.goto(app + cohort.get_absolute_url())
    marie = organizer.locator("tr", has_text="Marie Curie")
    expect(marie.locator("td.today")).to_have_text("✓ " + w["logged"])
    expect(organizer.locator("tr", has_text="@linus").locator("td.today")).to_have_text(w["not_yet"])
    screenshot(organizer, f"cohort-{lang}-organizer-table")

    # 4. The nudge goes only to the member who has not logged.
    organizer.get_by_role("button", name=w["nudge"]).click()
    expect(organizer.locator(".message")).to_contain_text(w["nudged"])
    assert [m.to for m in mail.outbox] == [["linus@example.com"]]
    assert mail.outbox[0].subject == w["subject"]

    # 5. The student leaves and disappears from the table.
    student.goto(app + cohort.get_absolute_url())
    student.get_by_role("link", name=w["leave"]).click()
    student.get_by_role("button", name=w["leave"]).click()
    expect(student.locator(".message")).to_contain_text(w["left"])
    organizer.reload()
    expect(organizer.locator("tr", has_text="Marie Curie")).to_have_count(0)
    expect(organizer.locator("tr", has_text="@linus")).to_have_count(1)
