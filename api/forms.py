from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import Token

EXPIRY_CHOICES = [
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
    ("never", _("Never")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=Token._meta.get_field("name").max_length,
        help_text=_("What it is for, e.g. “laptop git hook”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[("read", _("read: your rounds and entries")), ("write", _("write: log and edit days"))],
        widget=forms.CheckboxSelectMultiple,
        initial=["read", "write"],
        error_messages={"required": _("Choose at least one scope.")},
    )
    expires = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, initial="90")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name

    def token_fields(self) -> dict:
        data = self.cleaned_data
        expires = data["expires"]
        return {
            "name": data["name"],
            "can_read": "read" in data["scopes"],
            "can_write": "write" in data["scopes"],
            "expires_at": None if expires == "never" else timezone.now() + timedelta(days=int(expires)),
        }
