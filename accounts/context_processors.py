from django.conf import settings


def site(request):
    return {
        "google_configured": bool(settings.GOOGLE_CLIENT_ID),
        "SITE_URL": settings.SITE_URL,
    }
