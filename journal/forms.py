import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from hundreddays.textsafety import StripControlCharacters
from journal import limits, markdown, rules
from journal.limits import MAX_LINKS, LinkInput, date_error_message, normalize_tags
from journal.models import MAX_TARGET, Round

_MD_LINK = re.compile(r"^\[(?P<label>[^\]]*)\]\((?P<url>\S+)\)$")
_validate_url = URLValidator(schemes=["http", "https"])


def parse_links(text):
    """One link per line: ``https://…``, ``Label https://…`` or ``[Label](https://…)``."""
    links = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().lstrip("-*").strip()
        if not line:
            continue
        match = _MD_LINK.match(line)
        if match:
            label, url = match["label"].strip(), match["url"]
        else:
            label, _sep, url = line.rpartition(" ")
            label = label.strip()
        try:
            _validate_url(url)
        except ValidationError:
            raise ValidationError(
                _("Line %(n)s is not a web address (http:// or https://): %(line)s"),
                params={"n": number, "line": line[:80]},
            ) from None
        links.append(LinkInput(url=url, label=limits.link_label(label)))
    if len(links) > MAX_LINKS:
        raise ValidationError(_("At most %(n)s links."), params={"n": MAX_LINKS})
    return links


def format_links(links):
    return "\n".join(f"[{link.label}]({link.url})" if link.label else link.url for link in links)


class EntryForm(StripControlCharacters, forms.Form):
    """An entry. Date rules are checked here for a friendly message, and again in the service."""

    # <input type=date> speaks ISO dates whatever the page's language.
    date = forms.DateField(
        label=_("Date"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    progress = forms.CharField(
        label=_("Today's progress"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limits.ENTRY_PROGRESS,
        validators=[markdown.validate_markdown],
        help_text=_(
            "Markdown, as on GitHub: **bold**, _italic_, `code`, lists, - [x] tasks, [links](https://…)."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=limits.ENTRY_TITLE, required=False)
    thoughts = forms.CharField(
        label=_("Thoughts"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.ENTRY_THOUGHTS,
        validators=[markdown.validate_markdown],
        required=False,
    )
    links = forms.CharField(
        label=_("Links to work"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line: a URL, “Label https://…” or [Label](https://…)."),
    )
    minutes = forms.IntegerField(label=_("Minutes coded"), min_value=0, max_value=1440, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        max_length=limits.TAGS_FIELD,
        required=False,
        help_text=_("Separated by commas or spaces: python, django"),
    )

    def __init__(self, *args, round=None, today=None, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round
        self.today = today
        self.entry = entry
        for name in ("progress", "thoughts"):
            # No maxlength: the browser would cut a long paste silently. The limit is checked
            # on the server (an error that says how long it is) and shown by a counter (entry.js).
            attrs = self.fields[name].widget.attrs
            attrs["data-maxlength"] = attrs.pop("maxlength", self.fields[name].max_length)
        if today is not None:
            self.fields["date"].widget.attrs["max"] = today.isoformat()
        if round is not None:
            self.fields["date"].widget.attrs["min"] = round.start_date.isoformat()

    def clean_links(self):
        return parse_links(self.cleaned_data.get("links"))

    def clean_tags(self):
        return normalize_tags(self.cleaned_data.get("tags") or "")

    def clean_date(self):
        d = self.cleaned_data["date"]
        if self.round is None or self.today is None:
            return d
        if self.entry is not None and d == self.entry.date:
            return d
        # What the date alone tells (future, before the start, past a calendar finish).
        # Duplicates and a complete round are checked by journal.services under the
        # round's lock, with the same messages, so the form reads no entry.
        code = rules.date_error(d, self.round.start_date, self.round.target, self.round.rule, self.today)
        if code:
            raise ValidationError(date_error_message(code, self.round, d), code=code)
        return d

    @classmethod
    def initial_for(cls, entry):
        return {
            "date": entry.date,
            "title": entry.title,
            "progress": entry.progress,
            "thoughts": entry.thoughts,
            "minutes": entry.minutes,
            "links": format_links(entry.links.all()),
            "tags": ", ".join(t.name for t in entry.tags.all()),
        }


class RoundForm(StripControlCharacters, forms.ModelForm):
    class Meta:
        model = Round
        fields = ["title", "start_date", "target", "rule", "visibility", "description"]
        widgets = {
            "start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "rule": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["start_date"].input_formats = ["%Y-%m-%d"]
        self.fields["target"].min_value = 1
        self.fields["target"].max_value = MAX_TARGET
        self.fields["target"].widget.attrs.update({"min": 1, "max": MAX_TARGET})
        self.fields["title"].help_text = _("Leave empty for “#100DaysOfCode R<n>”.")

    def clean_target(self):
        target = self.cleaned_data["target"]
        if not 1 <= target <= MAX_TARGET:
            raise ValidationError(
                _("The target must be between 1 and %(max)s days."), params={"max": MAX_TARGET}
            )
        return target
