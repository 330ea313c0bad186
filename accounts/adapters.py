from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email, user_email
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext

from hundreddays import textsafety
from hundreddays.email import message as email_message
from hundreddays.email import site as site_info


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails with the site's name and domain from settings, a plain-text and an
    HTML part (hundreddays.email), in the recipient's language."""

    def send_mail(self, template_prefix, email, context):
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {**context, "current_site": site_info()}
            super().send_mail(template_prefix, email, context)

    def get_email_confirmation_url(self, request, emailconfirmation):
        return _on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key):
        return _on_site(super().get_reset_password_from_key_url(key))

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if not getattr(message, "alternatives", None) and message.content_subtype == "plain":
            return email_message(
                message.subject, message.body, message.to, message.from_email, headers=headers
            )
        return message


def _on_site(url):
    """An address in an email: on SITE_URL, whatever host the request came to."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """No app for this provider (GOOGLE_CLIENT_ID unset): its URLs answer 404, not 500.

    Still a SocialApp.DoesNotExist for allauth code that catches that.
    """


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(f"Sign-in with {provider} is not configured.") from None

    def pre_social_login(self, request, sociallogin):
        """Say at once why a new Google sign-in cannot use an address an account here already has.

        allauth then shows its sign-up form, which would only report the conflict once posted.
        """
        if (
            sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN
            or sociallogin.is_existing
        ):
            return
        email = user_email(sociallogin.user)
        if email and filter_users_by_email(email):
            messages.error(
                request,
                gettext("An account with %(email)s already exists.") % {"email": email},
            )

    def authenticate_by_email(self, sociallogin):
        """Connect a Google sign-in to an existing user only when both sides verified the address.

        Google must report the address verified, and the existing account must have
        verified it here too; otherwise someone could sign up with a victim's address
        and wait for the victim to arrive through Google. Without a match allauth goes
        on to sign-up, which explains that the address is taken.
        """
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(sociallogin, address.email):
                continue
            ours = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                .select_related("user")
                .first()
            )
            if ours is not None:
                return ours.user, address.email
        return None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        name = extra.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        if name and not user.display_name:
            user.display_name = textsafety.clean(name).strip()[:80]
        picture = extra.get("picture") or ""
        if picture.startswith("https://"):
            user.avatar_url = picture[:500]
        locale = (extra.get("locale") or "")[:2]
        if locale in ("en", "es") and not user.language:
            user.language = locale
        return user
