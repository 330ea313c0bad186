from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class ProviderNotConfiguredMiddleware:
    """Google's URLs on a site whose host has not configured it: back to sign-in, with a calm note.

    The adapter raises ProviderNotConfigured (a 404) when no app exists; a visitor who
    followed an old link or bookmark is better served by the sign-in page than a 404.
    The variables to set are named in the README and the admin, never to a visitor.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from accounts.adapters import ProviderNotConfigured

        if not isinstance(exception, ProviderNotConfigured):
            return None
        messages.info(
            request, _("Sign-in with Google isn't available on this site. Sign in with your email instead.")
        )
        return redirect("account_login")
