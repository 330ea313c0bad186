from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.models import Cohort
from journal.models import MAX_TARGET


class CohortForm(forms.ModelForm):
    """A new cohort. Start, target and rule are the members' rounds' too, so they are set once."""

    take_part = forms.BooleanField(
        label=_("I take part too: start a round in my journal"), required=False, initial=True
    )

    class Meta:
        model = Cohort
        fields = [
            "name",
            "description",
            "start_date",
            "target",
            "rule",
            "language",
            "visibility",
            "leaderboard",
        ]
        widgets = {
            "start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "rule": forms.RadioSelect,
            "visibility": forms.RadioSelect,
        }
        help_texts = {"description": _("Markdown. Shown on the cohort's page and on the join page.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].input_formats = ["%Y-%m-%d"]
        self.fields["target"].min_value = 1
        self.fields["target"].max_value = MAX_TARGET
        self.fields["target"].widget.attrs.update(min=1, max=MAX_TARGET)


class CohortSettingsForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "description", "language", "visibility", "leaderboard"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "visibility": forms.RadioSelect}


class JoinForm(forms.Form):
    share_entries = forms.BooleanField(
        label=_(
            "Share my entries with this cohort: the organizers may read what I write, even in a private round"
        ),
        required=False,
    )


class SharingForm(JoinForm):
    pass


class InviteForm(forms.Form):
    ACTIONS = (("rotate", "rotate"), ("disable", "disable"), ("expiry", "expiry"))
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    expires_on = forms.DateField(
        label=_("The link stops working after"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Leave empty for a link that does not expire."),
    )


class OrganizerForm(forms.Form):
    handle = forms.CharField(
        label=_("Member's handle"), max_length=30, help_text=_("Without the @: a member of this cohort.")
    )

    def clean_handle(self):
        return self.cleaned_data["handle"].strip().lstrip("@").lower()
