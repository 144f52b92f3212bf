"""The few exceptions that cross layers; each message says what to do next."""


class PaperfeedError(Exception):
    """Base of every error paperfeed raises on purpose."""


class ConfigError(PaperfeedError):
    """A setting is missing, unknown or invalid; the message names it and what is allowed."""


class StoreError(PaperfeedError):
    """The database cannot be opened or migrated."""


class IngestError(PaperfeedError):
    """An import cannot go on (an upstream failed, or a reject under --strict)."""


class NotFound(PaperfeedError):
    """A requested paper, subscriber or token does not exist."""


class TooManyMails(PaperfeedError):
    """A limit on mails to unconfirmed addresses is reached; retry_after says for how long
    (whole seconds), the message says which limit."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after + 0.999))
