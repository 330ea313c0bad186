import zoneinfo

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hundreddays.textsafety import StripControlCharacters

TIME_ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


class ProfileForm(StripControlCharacters, forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(tz, tz) for tz in TIME_ZONES])
    rollover_hour = forms.TypedChoiceField(
        label=_("Day rollover hour"),
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(7)],
        help_text=_("Until this hour (0 to 6), what you log still counts for the previous day."),
    )

    class Meta:
        model = User
        fields = ["display_name", "handle", "time_zone", "rollover_hour", "language", "reminders"]

    def clean_handle(self):
        handle = self.cleaned_data["handle"].strip().lower()
        if User.objects.filter(handle=handle).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This handle is taken."))
        return handle


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form without the "Forgot your password?" help under the field:
    the page links it once, beside the button. "Remember me" in sentence case."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = _("Remember me")
