"""Atom feeds of a round and of a participant, for feed readers.

Feed readers are anonymous, so a feed never depends on who asks: a private
round has no feed (404, even for its owner), an unlisted round's feed is
reachable by its URL, and the participant feed carries public rounds only.
Links are absolute on ``SITE_URL``. Strings are in the participant's language.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from journal import atom, clock, figures, pagecache, selectors, share
from journal.models import Round

FEED_ITEMS = 50


class _JournalFeed:
    """A feed kept in the page cache with its validators, GET/HEAD only."""

    def __call__(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return _feed(request, self, *args, **kwargs)

    def build(self, request, *args, **kwargs):
        obj = self.get_object(request, *args, **kwargs)
        language = self.language_of(obj)
        with translation.override(language):
            body = atom.document(
                language=language,
                title=self.title(obj),
                link=self.link(obj),
                feed_url=self.feed_url(obj),
                author_name=self.author_name(obj),
                subtitle=self.subtitle(obj),
                items=self.atom_items(self.items(obj)),
            )
        return self.validators(obj).apply(HttpResponse(body, content_type=atom.CONTENT_TYPE))

    def language_of(self, obj):
        """The participant's language, whoever reads: a feed is the same for everyone."""
        raise NotImplementedError

    def atom_items(self, entries) -> list[atom.Item]:
        # Asked once a feed: the wording, each round's address and the author's.
        day_title, thoughts = _("Day %(day)s: %(title)s"), _("Thoughts")
        addresses = {}
        items = []
        for entry in entries:
            round, user = entry.round, entry.round.user
            base = addresses.get(round.pk)
            if base is None:
                base = addresses[round.pk] = share.absolute_url(round.get_absolute_url())
            author = addresses.get(None)
            if author is None:
                author = addresses[None] = share.absolute_url(user.get_absolute_url())
            description = entry.progress_html
            if entry.thoughts_html:
                description = f"{description}<h4>{thoughts}</h4>{entry.thoughts_html}"
            items.append(
                atom.Item(
                    title=day_title % {"day": entry.day, "title": share.headline(entry)},
                    link=f"{base}{entry.date.isoformat()}/",
                    published=entry.created_at,
                    updated=entry.updated_at,
                    author_name=user.name,
                    author_link=author,
                    summary_html=description,
                    categories=entry.tag_names,
                )
            )
        return items


# The same feed for everyone: kept in the page cache under the participant's scope.
@pagecache.kept("feed", scopes=pagecache.participant_in_url, per_viewer=False, public=True)
def _feed(request, feed, *args, **kwargs):
    return feed.build(request, *args, **kwargs)


class RoundFeed(_JournalFeed):
    """A public or unlisted round's latest 50 entries; its subtitle carries the round's figures.

    Building it costs 1. the round, its owner and its dates (the figures), 2. the entries
    with their tags.
    """

    def get_object(self, request, handle, number):
        round, dates = selectors.shared_round(handle, number)
        round.summary = selectors.round_summary(round, clock.today_for(round.user), dates=dates)
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
        return selectors.latest_entries(round, FEED_ITEMS)


class ParticipantFeed(_JournalFeed):
    """The latest 50 entries of a participant's public rounds.

    Building it costs 1. the participant with a fingerprint of their public rounds,
    2. the entries with their rounds and tags.
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
        return selectors.latest_public_entries_of(person, FEED_ITEMS)
