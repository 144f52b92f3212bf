"""The one check for e-mail addresses anybody types (sign-in, subscriptions, the CLI), and the
mailbox an address reaches, for limits that must count `+tag` variants as one."""

from __future__ import annotations

import re

MAX_ADDRESS = 254
# Plain ASCII addresses only (RFC 5321 dot-atoms): no quoted local parts, no comments, no
# ':' or ',' that a mail library could read as a group or a second address.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ADDRESS = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+[a-z]{{2,63}})")
_GMAIL = ("gmail.com", "googlemail.com")


class BadAddress(ValueError):
    """Not an address mail can be sent to; the message says what is wrong."""


def normalise_address(raw: str) -> str:
    """The address trimmed and lower-cased, when it is a plain ASCII one (name@example.org);
    BadAddress otherwise."""
    address = raw.strip().lower()
    match = _ADDRESS.fullmatch(address) if address.isascii() else None
    if match is None or len(address) > MAX_ADDRESS or len(match.group("local")) > 64:
        raise BadAddress("not an e-mail address (like name@example.org; plain ASCII letters, "
                         "digits and . _ + - only)")
    return address


def mailbox(address: str) -> str:
    """The mailbox a normalised address reaches, for counting: without a `+tag`, and for
    Gmail without dots (Gmail ignores them). Never used as an address to send to."""
    local, _, domain = address.rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


__all__ = ["BadAddress", "mailbox", "normalise_address"]
