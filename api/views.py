"""The tokens page: list, create (the token is shown once), revoke after a confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from api import services
from api.forms import TokenForm
from api.models import MAX_TOKENS_PER_USER, Token


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request):
    """Queries: session, user, then the user's tokens (one query)."""
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, created = services.create_token(request.user, **form.token_fields())
            except services.TokenError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                form = TokenForm()
                status = 200
        else:
            status = 400
    tokens = list(Token.objects.for_user(request.user).order_by("revoked_at", "-created_at"))
    context = {"form": form, "tokens": tokens, "created": created, "limit": MAX_TOKENS_PER_USER}
    return render(request, "api/tokens.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_revoke(request, pk):
    token = get_object_or_404(Token.objects.for_user(request.user).filter(revoked_at__isnull=True), pk=pk)
    if request.method == "POST":
        services.revoke_token(token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("tokens:list")
    return render(request, "api/token_confirm_revoke.html", {"token": token})
