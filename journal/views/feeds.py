from django.contrib.syndication.views import Feed
from django.http import Http404


class ParticipantFeed(Feed):
    def get_object(self, request, handle):
        raise Http404


class RoundFeed(Feed):
    def get_object(self, request, handle, number):
        raise Http404
