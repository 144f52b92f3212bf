"""How many mails to unconfirmed addresses (sign-in links, subscription confirmations) one
client, one mailbox and the whole instance may cause: counted in the store
(Store.hit_limit), so every web process shares the counts.

A mailbox is what an address reaches (addresses.mailbox): `inbox+1@` and `inbox+2@`, or
`a.da@gmail.com` and `ada@gmail.com`, count as one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from paperfeed.addresses import mailbox
from paperfeed.config import Settings
from paperfeed.errors import TooManyMails
from paperfeed.store import Store

WINDOW = timedelta(hours=1)

__all__ = ["TooManyMails", "count_unconfirmed_mail"]


def count_unconfirmed_mail(store: Store, settings: Settings, address: str, *,
                           client: str | None, now: datetime) -> None:
    """Count one mail to address caused by client (None: the admin's CLI, not limited per
    client); TooManyMails when the client, the mailbox or the instance has had its share of
    the last hour. The client is counted first, so a flooding client is stopped before it
    uses up the instance's share."""
    checks = [(f"mail:mailbox:{mailbox(address)}", settings.mail_limit_per_mailbox,
               "this mailbox"),
              ("mail:instance", settings.mail_limit_per_instance, "this site")]
    if client is not None:
        checks.insert(0, (f"mail:client:{client}", settings.mail_limit_per_client,
                          "your network address"))
    for key, limit, whom in checks:
        wait = store.hit_limit(key, limit=limit, window=WINDOW, now=now)
        if wait is not None:
            raise TooManyMails(f"too many mails to unconfirmed addresses from {whom} in the "
                               f"last hour; try again in {int(wait // 60) + 1} minutes", wait)
