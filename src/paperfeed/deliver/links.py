"""The URLs in subscriber mails and pages: signed links under the instance's base_url."""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import quote

from paperfeed.config import Settings
from paperfeed.deliver.mailer import envelope_sender
from paperfeed.deliver.tokens import Tokens
from paperfeed.models import Subscription

CONFIRM_PATH = "/subscribe/confirm/"
MANAGE_PATH = "/subscriptions/manage/"
UNSUBSCRIBE_PATH = "/unsubscribe/"

__all__ = ["CONFIRM_PATH", "MANAGE_PATH", "UNSUBSCRIBE_PATH", "Links"]


class Links:
    """Builds a subscription's confirm, manage and unsubscribe links (https and mailto)."""

    def __init__(self, settings: Settings, tokens: Tokens) -> None:
        self.base = settings.base_url.rstrip("/")
        self.tokens = tokens
        self.mailbox = envelope_sender(settings)
        if settings.mail_reply_to:
            self.mailbox = parseaddr(settings.mail_reply_to)[1] or self.mailbox

    def confirm(self, sub: Subscription) -> str:
        return self.base + CONFIRM_PATH + self.tokens.make("confirm", sub.id, sub.email)

    def manage(self, sub: Subscription) -> str:
        return self.base + MANAGE_PATH + self.tokens.make("manage", sub.id, sub.email)

    def unsubscribe(self, sub: Subscription) -> str:
        return self.base + UNSUBSCRIBE_PATH + self.tokens.make("unsubscribe", sub.id, sub.email)

    def unsubscribe_mailto(self, sub: Subscription) -> str:
        return self.mailto(self.unsubscribe(sub))

    def mailto(self, unsubscribe_url: str) -> str:
        """The mailto: twin of an unsubscribe link (its token in the subject)."""
        token = unsubscribe_url.rsplit("/", 1)[1]
        return f"mailto:{self.mailbox}?subject={quote('unsubscribe ' + token)}"

    def paper(self, paper_id: str) -> str:
        return f"{self.base}/papers/{quote(paper_id, safe='/:')}"
