"""Mails to subscribers: Jinja2 text and HTML parts in an EmailMessage whose headers are safe."""

from __future__ import annotations

import binascii
import email.policy
import re
import secrets
from datetime import UTC, date, datetime
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from paperfeed.config import Settings
from paperfeed.deliver.links import Links
from paperfeed.deliver.mailer import envelope_sender
from paperfeed.models import Digest, Hit, Preferences, Subscription
from paperfeed.plaintext import plain_text
from paperfeed.safeurl import safe_url, safe_urls

SNIPPET_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")



class _Registry(HeaderRegistry):
    """The standard header classes, each built once (the stock registry builds a new class
    on every lookup, and every header set looks its class up)."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        found = self._built.get(key)
        if found is None:
            found = self._built[key] = super().__getitem__(name)
        return found


MAIL_POLICY = email.policy.default.clone(header_factory=_Registry())

__all__ = ["MAIL_POLICY", "Renderer", "day_label", "digest_message_id", "header_text", "snippet"]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The mail templates (deliver/templates): HTML autoescaped, undefined names are errors."""
    folder = resources.files("paperfeed.deliver") / "templates"
    return Environment(loader=FileSystemLoader(str(folder)), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)


def header_text(value: str, limit: int = 200) -> str:
    """Text fit for a header: control characters (CR, LF...) become spaces, length capped."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of an abstract, cut at a word boundary."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def digest_message_id(settings: Settings, subscription_id: int, day: date) -> str:
    """A fresh Message-ID naming the digest; kept across retries once recorded."""
    domain = envelope_sender(settings).rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"digest.{day.isoformat()}.{subscription_id}", domain=domain)


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def describe(prefs: Preferences) -> str:
    """'a daily digest with 2 topics and 1 category': what a subscription asks for, in
    words none of which the requester chose."""
    parts = [_count(len(prefs.topics), "topic", "topics")] if prefs.topics else []
    parts += [_count(len(prefs.categories), "category", "categories")] \
        if prefs.categories else []
    return f"a {prefs.frequency} digest" + (f" with {' and '.join(parts)}" if parts else
                                            " of trending papers")


class Renderer:
    """Builds the digest, confirmation and reminder mails for one instance's settings.

    Meant for a whole sending round: each paper's rendered entry and the headers every
    mail shares are made once and reused (a round renders thousands of mails).
    """

    def __init__(self, settings: Settings, links: Links) -> None:
        self.settings = settings
        self.links = links
        self.site = header_text(settings.site_name, 60) or "paperfeed"
        factory = MAIL_POLICY.header_factory
        domain = envelope_sender(settings).rpartition("@")[2] or "localhost"
        self._fixed = {name: factory(name, value) for name, value in (
            ("From", settings.mail_from),
            ("Reply-To", settings.mail_reply_to or settings.mail_from),
            ("List-Id", f"{self.site} digest <digest.{domain}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Precedence", "bulk"), ("Auto-Submitted", "auto-generated"),
            ("MIME-Version", "1.0"), ("Content-Transfer-Encoding", "quoted-printable"))}
        self._types = {sub: factory("Content-Type", f'text/{sub}; charset="utf-8"')
                       for sub in ("plain", "html")}
        # "=_" never occurs in quoted-printable text, so one boundary serves every mail
        self._types["alternative"] = factory(
            "Content-Type", f'multipart/alternative; boundary="=_{secrets.token_hex(12)}"')
        self._repeated: dict[tuple[str, str], Any] = {}
        self._entries: dict[tuple[str, str | None, int], tuple[str, Markup]] = {}

    def digest(self, digest: Digest, *, message_id: str, now: datetime) -> EmailMessage:
        sub = digest.subscription
        n, replies = digest.count - len(digest.replies), len(digest.replies)
        subject = (f"{self.site} digest for {digest.digest_date:%a} {digest.digest_date.day} "
                   f"{digest.digest_date:%b %Y}: {n} new paper{'' if n == 1 else 's'}")
        if replies:
            subject += f", {replies} repl{'y' if replies == 1 else 'ies'} to your comments"
        unsubscribe = self.links.unsubscribe(sub)
        context = {
            "digest": digest, "count": n, "day": day_label(digest.digest_date),
            "trending": [self._entry(h) + self._marks(sub, h) for h in digest.trending],
            "for_you": [self._entry(h) + self._marks(sub, h) for h in digest.for_you],
            "updates": [(u.paper.title, self.links.paper(u.paper.id), "; ".join(u.changes))
                        for u in digest.updates],
            "replies": [(r.paper.title, f"{self.links.paper(r.paper.id)}#comment-"
                         f"{r.comment_id}", r.author, r.text) for r in digest.replies],
            "topics": sub.prefs.topics, "categories": sub.prefs.categories,
            **self._footer(sub, unsubscribe),
        }
        msg = self._message(sub, subject, "digest", context, message_id=message_id, now=now)
        for name in ("List-Id", "List-Unsubscribe-Post", "Precedence"):  # RFC 2369, RFC 8058
            msg[name] = self._fixed[name]
        msg["List-Unsubscribe"] = f"<{unsubscribe}>, <{self.links.mailto(unsubscribe)}>"
        return msg

    def confirmation(self, sub: Subscription, *, now: datetime) -> EmailMessage:
        """The double opt-in mail. It goes to an address nobody has confirmed yet, so it
        carries no text the requester typed (topics, categories): only their counts."""
        context = {"confirm_url": self.links.confirm(sub), "what": describe(sub.prefs),
                   "hours": round(self.settings.confirm_token_hours),
                   **self._footer(sub, self.links.unsubscribe(sub))}
        return self._message(sub, f"Confirm your {self.site} subscription", "confirm",
                             context, now=now)

    def reminder(self, sub: Subscription, *, now: datetime) -> EmailMessage:
        """For someone who subscribes again while subscribed: the way to their settings."""
        return self._message(sub, f"Your {self.site} subscription", "reminder",
                             {"prefs": sub.prefs, "status": sub.status,
                              **self._footer(sub, self.links.unsubscribe(sub))}, now=now)

    # -- parts --------------------------------------------------------------------------

    def _footer(self, sub: Subscription, unsubscribe: str) -> dict[str, Any]:
        return {"site_name": self.site, "base_url": self.links.base,
                "manage_url": self.links.manage(sub), "unsubscribe_url": unsubscribe}

    def _entry(self, hit: Hit) -> tuple[str, Markup]:
        """One paper's entry in the text part and in the HTML part (rendered once a round)."""
        key = (hit.paper.id, hit.reason, hit.votes)
        found = self._entries.get(key)
        if found is None:
            if len(self._entries) > 100_000:
                self._entries.clear()
            item = {"item": self._item(hit)}
            env = environment()
            found = (env.get_template("_item.txt").render(item),
                     Markup(env.get_template("_item.html").render(item)))  # noqa: S704 (escaped)
            self._entries[key] = found
        return found

    def _marks(self, sub: Subscription, hit: Hit) -> tuple[str, str]:
        """This subscriber's "more like this" and "less like this" links for a paper."""
        return (self.links.signal(sub, hit.paper.id, "more"),
                self.links.signal(sub, hit.paper.id, "less"))

    def _item(self, hit: Hit) -> dict[str, Any]:
        p = hit.paper
        names = p.author_names
        authors = ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")
        category = p.primary_category or (p.categories[0] if p.categories else "")
        votes = f"{hit.votes} upvote{'' if hit.votes == 1 else 's'}" if hit.votes else ""
        code = next(iter(safe_urls(p.code_urls)), None)
        links = [(label, url) for label, url in (
            ("abstract", safe_url(p.url)), ("PDF", safe_url(p.pdf_url)), ("code", code)) if url]
        return {"id": p.id, "title": plain_text(p.title), "url": self.links.paper(p.id),
                "meta": " · ".join(x for x in (authors, category, votes) if x),
                "links": links, "code_url": code,
                "snippet": snippet(plain_text(p.abstract)), "reason": hit.reason}

    def _message(self, sub: Subscription, subject: str, template: str,
                 context: dict[str, Any], *, now: datetime,
                 message_id: str | None = None) -> EmailMessage:
        """Headers set one by one on an EmailMessage (so CR/LF cannot inject any), then a
        multipart/alternative body: quoted-printable UTF-8 text and HTML."""
        env = environment()
        msg = EmailMessage(policy=MAIL_POLICY)
        msg["Subject"] = self._header("Subject", header_text(subject, 150))
        msg["From"] = self._fixed["From"]
        msg["To"] = sub.email
        msg["Reply-To"] = self._fixed["Reply-To"]
        msg["Date"] = self._header("Date", format_datetime(now.astimezone(UTC), usegmt=True))
        if message_id:
            msg["Message-ID"] = message_id
        msg["Auto-Submitted"] = self._fixed["Auto-Submitted"]
        msg["MIME-Version"] = self._fixed["MIME-Version"]
        msg["Content-Type"] = self._types["alternative"]
        for subtype in ("plain", "html"):
            body = env.get_template(f"{template}.{'txt' if subtype == 'plain' else 'html'}")
            msg.attach(self._part(subtype, body.render(context)))
        return msg

    def _header(self, name: str, value: str) -> Any:
        """A header object for a value many mails of a round share (subject, date)."""
        key = (name, value)
        found = self._repeated.get(key)
        if found is None:
            if len(self._repeated) > 10_000:
                self._repeated.clear()
            found = self._repeated[key] = MAIL_POLICY.header_factory(name, value)
        return found

    def _part(self, subtype: str, text: str) -> EmailMessage:
        part = EmailMessage(policy=MAIL_POLICY)
        part["Content-Type"] = self._types[subtype]
        part["Content-Transfer-Encoding"] = self._fixed["Content-Transfer-Encoding"]
        part.set_payload(binascii.b2a_qp(text.encode("utf-8")).decode("ascii"))
        return part
