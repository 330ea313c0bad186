from django.http import Http404


def import_log(request):
    raise Http404


def my_data(request):
    raise Http404


def export(request, fmt):
    raise Http404


def delete_account(request):
    raise Http404
