import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from journal import figures, importing, rules
from journal.logs import LogError, parse_upload
from journal.management.arguments import find_user, round_number


def describe_round(rp) -> str:
    where = f"new round {rp.number}" if rp.is_new else f"round {rp.number}"
    dates = [e.date for e in rp.entries]
    span = f"{min(dates)} to {max(dates)}" if dates else "no days"
    return (
        f"{where} “{rp.title or f'#100DaysOfCode R{rp.number}'}” ({rp.rule}, {span}): "
        f"{rp.created} to create, {rp.replaced} to replace, {rp.skipped} already there, "
        f"{rp.conflicts} conflicting"
    )


def describe_outcome(rp, chose: bool) -> list[str]:
    """What the round becomes today, and the other rule's outcome when there is a choice."""
    if rp.outcome is None:
        return []
    lines = [f"  today: {figures.headline(rp.outcome)} ({rp.outcome.status}, {rp.outcome.missed} missed)"]
    if rp.offers_rule_choice:
        other = rules.CALENDAR if rp.rule == rules.OFFICIAL else rules.OFFICIAL
        outcome = rp.calendar_outcome if other == rules.CALENDAR else rp.official_outcome
        lines.append(
            f"  under the {other} rule it would be: {figures.headline(outcome)} ({outcome.missed} missed)"
            + ("" if chose else f"; pass --rule {other} to import it that way")
        )
    return lines


class Command(BaseCommand):
    help = (
        "Import a #100DaysOfCode log (Markdown or a Hundred Days JSON export) into a participant's "
        "account. Each round of the file becomes a new round unless --round names an existing one; "
        "days already there with the same content are skipped, so importing a file again changes "
        "nothing. A date that already holds a different entry is a conflict: nothing is imported "
        "unless --replace is given, which overwrites those entries with the file's version. "
        "All or nothing, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The log file: .md (Markdown) or .json (a Hundred Days export).")
        parser.add_argument("--user", required=True, metavar="EMAIL", help="The participant's email address.")
        parser.add_argument(
            "--start",
            metavar="DATE",
            help="Start date (YYYY-MM-DD) for a log whose days have no dates (“## Day 1” headings).",
        )
        parser.add_argument(
            "--round", metavar="N", help="Import into the user's existing round N instead of a new round."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite entries on the same dates that differ from the file (default: refuse).",
        )
        parser.add_argument(
            "--rule",
            choices=rules.RULES,
            help="Counting rule of the new rounds the file creates (default: the file's own rule, "
            "except that a round the official rule would break is imported under the rule with "
            "fewer missed days; --dry-run shows both).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be imported; write nothing."
        )
        parser.add_argument(
            "--date-order",
            choices=["mdy", "dmy"],
            help="How to read numeric dates like 03/04/2024 when the file allows both "
            "(default: the reading that misses fewer days; the output says when there was a choice).",
        )

    def handle(
        self,
        *args,
        file,
        user,
        start=None,
        round=None,
        replace=False,
        rule=None,
        dry_run=False,
        date_order=None,
        **options,
    ):
        verbosity = options.get("verbosity", 1)
        # Mistakes that need no database first: the arguments, then the file.
        number = round_number(round)
        start_date = None
        if start:
            try:
                start_date = datetime.date.fromisoformat(start)
            except ValueError:
                raise CommandError(f"--start must be a date like 2024-03-04, not {start!r}.") from None
        path = Path(file)
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        try:
            log = parse_upload(raw, filename=path.name, start=start_date, date_order=date_order)
        except LogError as error:
            raise CommandError(f"{file}: {error}") from None
        person = find_user(user)

        if rule is not None:
            choices = dict.fromkeys(range(len(log.rounds)), rule)
            plan = importing.plan_import(
                person, log, round_number=number, replace=replace, rule_choices=choices
            )
        else:
            plan = importing.plan_import(person, log, round_number=number, replace=replace)
            choices = importing.default_rule_choices(plan)
            if any(plan.rounds[i].rule != chosen for i, chosen in choices.items()):
                plan = importing.plan_import(
                    person, log, round_number=number, replace=replace, rule_choices=choices
                )
        if verbosity >= 1:
            if len(log.date_orders) > 1:
                other = next(order for order in log.date_orders if order != log.date_order)
                self.stdout.write(
                    f"Numeric dates like {log.date_example} fit both month/day/year and day/month/year: "
                    f"read as {log.date_order}; pass --date-order {other} for the other reading."
                )
            for rp in plan.rounds:
                self.stdout.write(describe_round(rp))
                for title, notes in rp.note_groups:
                    self.stdout.write(f"  {title}:")
                    for note in notes:
                        where = f"line {note.line}: " if note.line else ""
                        self.stdout.write(f"    {where}{note.message}")
                for line in describe_outcome(rp, chose=rule is not None):
                    self.stdout.write(line)
                if verbosity >= 2:
                    for e in rp.entries:
                        day = f"day {e.day}" if e.day else "day ?"
                        extra = f" ({', '.join(e.differences)} differ)" if e.differences else ""
                        self.stdout.write(f"  {e.date} {day}: {e.action}{extra}")
            for warning in plan.warnings:
                self.stderr.write(f"{file}: warning: {warning}")
        if plan.problems and verbosity >= 2:
            for problem in plan.problems:
                self.stderr.write(f"{file}: {problem}")
        if not plan.ok:
            message = importing.refusal_message(plan, hint="Use --replace to overwrite them.")
            raise CommandError(f"{file}: {message}")
        if dry_run:
            if verbosity >= 1:
                self.stdout.write("Dry run: nothing was written.")
            return

        try:
            result = importing.apply_import(person, plan)
        except importing.ImportRefused as error:
            # The account changed between the plan and the write.
            raise CommandError(f"{file}: {error}") from None
        if verbosity >= 1:
            numbers = ", ".join(str(r.number) for r in result.rounds)
            if result.changed:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Imported {file} for {person.email} into round {numbers}: "
                        f"{result.created} days created, {result.replaced} replaced, "
                        f"{result.skipped} already there."
                    )
                )
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Nothing to import: all {result.skipped} days of {file} are already in round {numbers}."
                    )
                )
