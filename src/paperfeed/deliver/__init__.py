"""Digests by e-mail: subscriptions, tokens, composing, rendering, SMTP and exactly-once sending."""
