from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from journal import clock, services
from journal.models import Round

DEMO_EMAIL = "demo@hundreddays.example"
DEMO_HANDLE = "demo"

# (days ago, title, progress, thoughts, minutes, tags, links); missing days are gaps.
DEMO_DAYS = [
    (
        20,
        "Setting up",
        "Installed Python 3.11 and created a **virtual environment**.",
        "Starting is the hardest part.",
        60,
        "python setup",
        [("https://docs.python.org/3/library/venv.html", "venv docs")],
    ),
    (
        19,
        "First Django project",
        "Ran `django-admin startproject` and read the tutorial part 1.",
        "",
        75,
        "django",
        [],
    ),
    (
        18,
        "Models",
        "Wrote my first model and ran migrations.\n\n- `makemigrations`\n- `migrate`",
        "Migrations finally make sense.",
        90,
        "django",
        [],
    ),
    (17, "Admin", "Registered the model in the admin and added search.", "", 60, "django admin", []),
    (
        15,
        "Views",
        "Missed a day, back at it: list and detail views with templates.",
        "Never miss two days in a row.",
        80,
        "django templates",
        [("https://example.com/demo/reading-list/pull/1", "Pull request")],
    ),
    (14, "Forms", "Built a form with validation and a delete confirmation page.", "", 70, "django forms", []),
    (
        13,
        "Tests",
        "Wrote tests with pytest-django for the views.",
        "Tests make me slow down and think.",
        65,
        "testing pytest",
        [],
    ),
    (12, "CSS", "Styled the pages with plain CSS grid.", "", 45, "css", []),
    (11, "Dark mode", "Added `prefers-color-scheme` support.", "", 30, "css", []),
    (
        9,
        "Deploy",
        "Wrote a Dockerfile and deployed to a small server.",
        "Deploying early was a good idea.",
        120,
        "docker deploy",
        [("https://example.com/demo/reading-list", "Repository")],
    ),
    (8, "Feeds", "Added an Atom feed with `django.contrib.syndication`.", "", 60, "django", []),
    (7, "Search", "Postgres full-text search for the reading list.", "", 90, "postgres django", []),
    (6, "Pagination", "Paginated the list view.", "", 40, "django", []),
    (5, "Auth", "Sign-in with django-allauth.", "OAuth flows are fiddly.", 100, "django auth", []),
    (4, "Refactor", "Moved writes into a services module.", "", 60, "python", []),
    (3, "i18n", "Translated the templates into Spanish.", "", 70, "i18n", []),
    (2, "Cache", "Cached the expensive page fragments.", "", 55, "performance", []),
    (1, "README", "Wrote the README and added a badge.", "Almost 20 days!", 35, "docs", []),
]


class Command(BaseCommand):
    help = (
        "Create a demo participant (demo@hundreddays.example, @demo) with a public round. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be created; write nothing."
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        User = get_user_model()
        if User.objects.filter(email=DEMO_EMAIL).exists():
            if verbosity:
                self.stdout.write(f"The demo participant {DEMO_EMAIL} already exists; nothing to do.")
            return
        if dry_run:
            self.stdout.write(f"Would create {DEMO_EMAIL} with a public round of {len(DEMO_DAYS)} entries.")
            return
        with transaction.atomic():
            user = User.objects.create_user(
                email=DEMO_EMAIL, password=None, handle=DEMO_HANDLE, display_name="Ada Demo"
            )
            today = clock.today_for(user)
            round = services.start_round(
                user,
                title="#100DaysOfCode R1: a reading-list app",
                start_date=today - timedelta(days=20),
                visibility=Round.Visibility.PUBLIC,
                description="Learning Django by building a reading-list app, one day at a time.",
            )
            for ago, title, progress, thoughts, minutes, tags, links in DEMO_DAYS:
                services.create_entry(
                    round,
                    date=today - timedelta(days=ago),
                    title=title,
                    progress=progress,
                    thoughts=thoughts,
                    minutes=minutes,
                    tags=tags,
                    links=[services.LinkInput(url=u, label=lbl) for u, lbl in links],
                    today=today,
                )
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {DEMO_EMAIL} (@{DEMO_HANDLE}) with round 1: {len(DEMO_DAYS)} entries. "
                    f"Public journal: /@{DEMO_HANDLE}/r1/ · created {timezone.now():%Y-%m-%d}"
                )
            )
