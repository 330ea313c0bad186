from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    pass


class SocialAccountAdapter(DefaultSocialAccountAdapter):
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
            user.display_name = name[:80]
        picture = extra.get("picture") or ""
        if picture.startswith("https://"):
            user.avatar_url = picture[:500]
        locale = (extra.get("locale") or "")[:2]
        if locale in ("en", "es") and not user.language:
            user.language = locale
        return user
