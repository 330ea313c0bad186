from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ProfileForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your settings are saved."))
        response = redirect("accounts:profile")
        _set_language_cookie(response, user.language)
        return response
    return render(request, "accounts/profile.html", {"form": form})


def _set_language_cookie(response, language):
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=not settings.DEBUG,
            httponly=True,
        )


def _switch_language(request):
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    _set_language_cookie(response, language)
    return response


_save_language = csrf_protect(_switch_language)


@csrf_exempt
@require_POST
def set_language(request):
    """Switch language; saved on the profile when signed in. ``next`` must stay on this site.

    Signed in, the choice is saved on the profile: the CSRF check applies, as to every write.
    A visitor who is not signed in changes nothing but their own language cookie, so the
    footer's form carries no CSRF token for them: the pages they read hold no per-visitor
    data and set no cookie (docs/security.md).
    """
    if request.user.is_authenticated:
        return _save_language(request)
    return _switch_language(request)
