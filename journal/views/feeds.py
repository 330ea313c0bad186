"""Atom feeds of a round and of a participant, for feed readers.

Feed readers are anonymous, so a feed never depends on who asks: a private
round has no feed (404, even for its owner), an unlisted round's feed is
reachable by its URL, and the participant feed carries public rounds only.
Links are absolute on ``SITE_URL``. Strings are in the participant's language.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from hundreddays import textsafety
from journal import clock, figures, pagecache, selectors, share
from journal.models import Entry, Round

FEED_ITEMS = 50


class _JournalFeed(Feed):
    """A feed kept in the page cache with its validators, GET/HEAD only."""

    # Well-formed whatever is stored: a control character in a title must not break the feed.
    feed_type = textsafety.XmlSafeAtom1Feed

    def __call__(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return _feed(request, self, *args, **kwargs)

    def build(self, request, *args, **kwargs):
        obj = self.get_object(request, *args, **kwargs)
        with translation.override(self.language_of(obj)):
            feedgen = self.get_feed(obj, request)
        response = HttpResponse(feedgen.writeString("utf-8"), content_type=feedgen.content_type)
        return self.validators(obj).apply(response)

    def language_of(self, obj):
        """The participant's language, whoever reads: a feed is the same for everyone."""
        raise NotImplementedError

    def item_title(self, entry):
        title = entry.title or share.first_line(entry.progress_html)
        return _("Day %(day)s: %(title)s") % {"day": entry.day, "title": title}

    def item_link(self, entry):
        # Asked for twice an item (link and id); the round's URL is reversed once a feed.
        round = entry.round
        base = round.__dict__.get("_absolute_url")
        if base is None:
            base = round.__dict__["_absolute_url"] = share.absolute_url(round.get_absolute_url())
        return f"{base}{entry.date.isoformat()}/"

    def item_description(self, entry):
        if entry.thoughts_html:
            return f"{entry.progress_html}<h4>{_('Thoughts')}</h4>{entry.thoughts_html}"
        return entry.progress_html

    def item_pubdate(self, entry):
        return entry.created_at

    def item_updateddate(self, entry):
        return entry.updated_at

    def item_author_name(self, entry):
        return entry.round.user.name

    def item_author_link(self, entry):
        user = entry.round.user
        link = user.__dict__.get("_absolute_url")
        if link is None:
            link = user.__dict__["_absolute_url"] = share.absolute_url(user.get_absolute_url())
        return link

    def item_categories(self, entry):
        return [tag.name for tag in entry.tags.all()]


# The same feed for everyone: kept in the page cache under the participant's scope.
@pagecache.kept("feed", scopes=pagecache.participant_in_url, per_viewer=False, public=True)
def _feed(request, feed, *args, **kwargs):
    return feed.build(request, *args, **kwargs)


class RoundFeed(_JournalFeed):
    """A public or unlisted round's latest 50 entries; its subtitle carries the round's figures.

    Building it costs 1. the round and its owner, 2. its dates (the figures), 3. entries,
    4. their tags.
    """

    def get_object(self, request, handle, number):
        round = get_object_or_404(
            Round.objects.exclude(visibility=Round.Visibility.PRIVATE).select_related("user"),
            user__handle=handle,
            user__is_active=True,
            number=number,
        )
        round.summary = selectors.round_summary(round, clock.today_for(round.user))
        return round

    def validators(self, round):
        user = round.user
        today = round.summary.today
        # The figures change with the owner's date, not only with writes.
        etag = share.make_etag("feed", round.pk, round.version, today, user.handle, user.name, user.language)
        return share.Validators(
            etag, max(round.updated_at, clock.day_started_at(user, today)), clock.day_ends_at(user, today)
        )

    def language_of(self, round):
        return round.user.language or settings.LANGUAGE_CODE

    def title(self, round):
        return f"{round.title} · {round.user.name}"

    def subtitle(self, round):
        about = share.plain_text(round.description_html) or _("A #100DaysOfCode journal by %(name)s") % {
            "name": round.user.name
        }
        return f"{about} · {figures.line(round.summary)}"

    def link(self, round):
        return share.absolute_url(round.get_absolute_url())

    def feed_url(self, round):
        return share.absolute_url(
            reverse("journal:round-feed", kwargs={"handle": round.user.handle, "number": round.number})
        )

    def author_name(self, round):
        return round.user.name

    def items(self, round):
        entries = list(
            Entry.objects.filter(round=round)
            .without_sources()
            .prefetch_related("tags")
            .order_by("-created_at", "-id")[:FEED_ITEMS]
        )
        for entry in entries:
            entry.round = round
        return entries


class ParticipantFeed(_JournalFeed):
    """The latest 50 entries of a participant's public rounds.

    Building it costs 1. the participant with a fingerprint of their public rounds,
    2. entries with their rounds, 3. their tags.
    """

    def get_object(self, request, handle):
        public = Q(rounds__visibility=Round.Visibility.PUBLIC)
        return get_object_or_404(
            get_user_model().objects.annotate(
                public_rounds=Count("rounds", filter=public),
                public_versions=Sum("rounds__version", filter=public),
                public_updated_at=Max("rounds__updated_at", filter=public),
            ),
            handle=handle,
            is_active=True,
        )

    def validators(self, person):
        etag = share.make_etag(
            "participant-feed",
            person.pk,
            person.public_rounds,
            person.public_versions,
            person.public_updated_at,
            person.name,
            person.language,
        )
        return share.Validators(etag, person.public_updated_at or person.date_joined)

    def language_of(self, person):
        return person.language or settings.LANGUAGE_CODE

    def title(self, person):
        return _("%(name)s on Hundred Days") % {"name": person.name}

    def subtitle(self, person):
        return _("The #100DaysOfCode journal of %(name)s") % {"name": person.name}

    def link(self, person):
        return share.absolute_url(person.get_absolute_url())

    def feed_url(self, person):
        return share.absolute_url(reverse("journal:profile-feed", kwargs={"handle": person.handle}))

    def author_name(self, person):
        return person.name

    def items(self, person):
        entries = list(
            Entry.objects.public()
            .filter(round__user=person)
            .without_sources()
            .select_related("round")
            .prefetch_related("tags")
            .order_by("-created_at", "-id")[:FEED_ITEMS]
        )
        for entry in entries:
            entry.round.user = person
        return entries
