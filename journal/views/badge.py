from django.http import Http404


def badge(request, handle, number):
    raise Http404
