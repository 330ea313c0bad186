from django.http import Http404


def stats(request, handle, number):
    raise Http404
