from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from journal import exporting
from journal.logs import LogData, write_json, write_markdown
from journal.management.arguments import find_user, round_number
from journal.models import Round


class Command(BaseCommand):
    help = (
        "Export a participant's log. JSON (the default) holds the profile and every round, field "
        "for field, and can be imported back. Markdown writes one round in the community template "
        "(English or Spanish): give --round N when the participant has more than one round."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="EMAIL", help="The participant's email address.")
        parser.add_argument(
            "--round", metavar="N", help="Only round N (required for Markdown with several rounds)."
        )
        parser.add_argument(
            "--format", default="json", metavar="md|json", help="md (Markdown) or json (default: json)."
        )
        parser.add_argument(
            "--lang", metavar="es|en", help="Language of the Markdown labels (default: the user's language)."
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="Write to FILE instead of the standard output."
        )

    def handle(self, *args, user, round=None, format="json", lang=None, output=None, **options):
        verbosity = options.get("verbosity", 1)
        fmt = (format or "").lower()
        if fmt in ("markdown",):
            fmt = "md"
        if fmt not in ("md", "json"):
            raise CommandError(f"--format must be md or json, not {format!r}.")
        if lang is not None and lang not in ("en", "es"):
            raise CommandError(f"--lang must be en or es, not {lang!r}.")
        number = round_number(round)
        person = find_user(user)
        rounds = Round.objects.filter(user=person).order_by("number")
        if number is not None:
            rounds = rounds.filter(number=number)
            if not rounds.exists():
                raise CommandError(f"{person.email} has no round {number}.")
        if fmt == "md":
            numbers = list(rounds.values_list("number", flat=True))
            if not numbers:
                raise CommandError(f"{person.email} has no round to export.")
            if len(numbers) > 1:
                raise CommandError(
                    f"Markdown holds one round: add --round N ({person.email} has rounds "
                    f"{', '.join(map(str, numbers))}), or use --format json for everything."
                )
            data = exporting.export_round(rounds.get())
            text = write_markdown(
                data, lang=lang or exporting.markdown_language(person, settings.LANGUAGE_CODE)
            )
            what = f"round {data.number} ({len(data.entries)} days)"
        else:
            log = LogData(rounds=exporting.export_rounds(rounds), profile=exporting.profile_of(person))
            text = write_json(log)
            what = f"{len(log.rounds)} rounds, {sum(len(r.entries) for r in log.rounds)} days"

        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
            if verbosity >= 1:
                self.stdout.write(self.style.SUCCESS(f"Wrote {what} of {person.email} to {output}."))
        else:
            self.stdout.write(text, ending="")
            if verbosity >= 2:
                self.stderr.write(self.style.SUCCESS(f"Exported {what} of {person.email}."))
