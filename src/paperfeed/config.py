"""Settings: loaded once at start-up from paperfeed.toml and PAPERFEED_* variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from paperfeed.errors import ConfigError

ENV_PREFIX = "PAPERFEED_"
CONFIG_ENV = "PAPERFEED_CONFIG"
DEFAULT_CONFIG_FILE = "paperfeed.toml"
DEFAULT_SECRET = "change-me-development-only"  # noqa: S105 (refused in production)


def _setting(default: Any, doc: str, *, choices: tuple[str, ...] = (), secret: bool = False,
             minimum: float | None = None, maximum: float | None = None) -> Any:
    """A dataclass field that carries its documentation and its allowed values."""
    meta = {"doc": doc, "choices": choices, "minimum": minimum, "maximum": maximum}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta, repr=not secret)
    return field(default=default, metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Settings:
    """Every setting paperfeed reads; README.md lists them all (a test checks that)."""

    database_url: str = _setting("sqlite:///./paperfeed.db",
                                 "Where papers live: sqlite:///PATH or postgresql://USER@HOST/DB.")
    database_pool_size: int = _setting(10, "PostgreSQL connections each process keeps at most "
                                       "(ignored for SQLite).", minimum=1, maximum=200)
    environment: str = _setting("development", "development or production; production "
                                "refuses to start with the default secret_key.",
                                choices=("development", "production"))
    host: str = _setting("127.0.0.1", "Address `paperfeed serve` listens on.")
    port: int = _setting(8000, "Port `paperfeed serve` listens on.", minimum=1, maximum=65535)
    base_url: str = _setting("http://127.0.0.1:8000", "Public URL of this instance, used in "
                             "links in mails and feeds.")
    secret_key: str = _setting(DEFAULT_SECRET, "Signs sessions and every signed link. "
                               "`paperfeed init` stores a random one next to a SQLite "
                               "database; the public default is refused unless the instance "
                               "is local.", secret=True)
    site_name: str = _setting("paperfeed", "Name shown in the page header, feeds and mails.")
    log_level: str = _setting("INFO", "Logging level.",
                              choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    log_format: str = _setting("text", "Log lines as text, or one JSON object per line.",
                               choices=("text", "json"))
    page_size: int = _setting(30, "Papers per page on listings.", minimum=1, maximum=200)
    contact_email: str = _setting("", "Contact address sent in the User-Agent to arXiv and "
                                  "Hugging Face (they ask polite clients for one).")
    categories: list[str] = _setting([], "arXiv categories the worker keeps current, "
                                     "e.g. cs.LG,cs.CL.")
    arxiv_api_url: str = _setting("https://export.arxiv.org/api/query", "arXiv API endpoint.")
    oai_pmh_url: str = _setting("https://oaipmh.arxiv.org/oai", "arXiv OAI-PMH endpoint.")
    hf_api_url: str = _setting("https://huggingface.co", "Hugging Face base URL "
                               "(daily papers API).")
    request_interval: float = _setting(3.0, "Seconds between two requests to one upstream.",
                                       minimum=0.0)
    http_timeout: float = _setting(30.0, "Seconds before an upstream request times out.",
                                   minimum=0.1)
    http_retries: int = _setting(5, "Retries of a failed upstream request (with backoff).",
                                 minimum=0, maximum=20)
    ingest_sources: list[str] = _setting(["arxiv_api", "hf_daily"], "Sources the worker "
                                         "fetches daily: arxiv_api and oai_pmh (for "
                                         "`categories`), hf_daily.",
                                         choices=("arxiv_api", "oai_pmh", "hf_daily"))
    trending_half_life_days: float = _setting(3.0, "A vote's weight halves every this many "
                                              "days in trending.", minimum=0.01)
    embedding_model: str = _setting("minilm-l6-v2", "Sentence-embedding model for semantic "
                                    "search (the best one; see fast_embedding_model).")
    fast_embedding_model: str = _setting("", "A fast model that embeds every paper at once "
                                         "(`paperfeed index`; e.g. minilm-static-256 for a big "
                                         "archive); the worker then adds embedding_model's "
                                         "vectors newest first and search reads each paper's "
                                         "best. Empty (default), or the same as "
                                         "embedding_model: one model only.")
    model_cache_dir: str = _setting("", "Where derived files are kept: model weights built "
                                    "on first use, vector graphs and keyword indexes, which "
                                    "take gigabytes in a big archive (default "
                                    "~/.cache/paperfeed).")
    smtp_host: str = _setting("localhost", "SMTP server for mails.")
    smtp_port: int = _setting(25, "SMTP port.", minimum=1, maximum=65535)
    smtp_security: str = _setting("none", "SMTP transport security.",
                                  choices=("none", "starttls", "tls"))
    smtp_user: str = _setting("", "SMTP user name (empty: no login).")
    smtp_password: str = _setting("", "SMTP password.", secret=True)
    mail_from: str = _setting("paperfeed <paperfeed@localhost>", "From address of mails.")
    mail_rate_limit: float = _setting(50.0, "At most this many mails per second per worker.",
                                      minimum=0.1)
    smtp_connections: int = _setting(4, "SMTP connections a worker sends digests over at "
                                     "once (each at its share of mail_rate_limit).",
                                     minimum=1, maximum=64)
    # -- deliver: digests by e-mail -------------------------------------------------------
    mail_reply_to: str = _setting("", "Reply-To address of mails (empty: the From address).")
    send_empty_digests: bool = _setting(False, "Send a digest even when no paper was picked.")
    digest_trending_count: int = _setting(5, "Trending papers per digest.", minimum=0,
                                          maximum=50)
    digest_for_you_count: int = _setting(10, "\"For you\" papers per digest.", minimum=0,
                                         maximum=50)
    digest_send_hour: int = _setting(7, "Default local hour new subscribers get digests at.",
                                     minimum=0, maximum=23)
    digest_timezone: str = _setting("UTC", "Default time zone (IANA name) of new subscribers.")
    digest_claim_seconds: float = _setting(600.0, "A worker's claim on a digest expires after "
                                           "this many seconds (then another worker retries).",
                                           minimum=1.0)
    digest_retry_seconds: float = _setting(300.0, "First wait before retrying a digest after a "
                                           "transient SMTP failure; doubles each attempt.",
                                           minimum=0.0)
    digest_max_attempts: int = _setting(8, "Attempts at one digest before giving up on it.",
                                        minimum=1, maximum=100)
    max_bounces: int = _setting(3, "Permanent failures after which an address stops getting "
                                "digests.", minimum=1, maximum=100)
    mail_limit_per_client: int = _setting(10, "Mails to unconfirmed addresses (sign-in links, "
                                          "subscription confirmations) one client address "
                                          "may cause per hour.", minimum=1, maximum=10_000)
    mail_limit_per_mailbox: int = _setting(3, "Such mails one mailbox gets per hour (+tag "
                                           "variants and Gmail dots count as one mailbox).",
                                           minimum=1, maximum=1000)
    mail_limit_per_instance: int = _setting(300, "Such mails the whole instance sends per "
                                            "hour.", minimum=1, maximum=1_000_000)
    submit_limit_per_day: int = _setting(10, "Papers one reader may submit to the daily "
                                         "listing per day (`paperfeed submit` and the page).",
                                         minimum=1, maximum=10_000)
    max_pending_subscriptions: int = _setting(10_000, "Unconfirmed subscriptions kept at most "
                                              "(each is deleted once its confirmation link "
                                              "has expired).", minimum=1)
    confirm_token_hours: float = _setting(48.0, "Hours a subscription confirmation link "
                                          "stays valid.", minimum=0.01)
    manage_token_days: float = _setting(90.0, "Days a manage or unsubscribe link in a mail "
                                        "stays valid.", minimum=0.01)
    worker_interval: float = _setting(60.0, "Seconds between two rounds of `paperfeed "
                                      "worker`.", minimum=0.1)
    worker_steps: list[str] = _setting(["ingest", "embed", "map", "digests"], "What each "
                                       "worker round does, of ingest, embed, map and digests.")
    worker_embed_seconds: float = _setting(600.0, "At most this many seconds of embedding "
                                           "per worker round: a backlog is worked off newest "
                                           "first over later rounds, and digests never wait "
                                           "for it.", minimum=1)
    admin_emails: list[str] = _setting([], "Moderators' addresses: signed in with one, a "
                                       "reader may hide comments and block readers from "
                                       "posting.")

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_bounds(f.name, getattr(self, f.name), f.metadata)
        if not self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(f"database_url: {self.database_url!r} is not supported; use "
                              "sqlite:///PATH or postgresql://USER@HOST/DB")
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ConfigError("secret_key: production refuses the default secret key; set "
                              "PAPERFEED_SECRET_KEY to a long random value")
        _check_timezone("digest_timezone", self.digest_timezone)
        unknown = set(self.worker_steps) - {"ingest", "embed", "map", "digests"}
        if unknown:
            raise ConfigError(f"worker_steps: {', '.join(sorted(unknown))} unknown; choose "
                              "among ingest, embed, map, digests")

    def documented(self) -> dict[str, str]:
        """Setting name -> its one-line documentation."""
        return {f.name: f.metadata["doc"] for f in fields(self)}


def _check_bounds(name: str, value: Any, meta: Mapping[str, Any]) -> None:
    choices, lo, hi = meta["choices"], meta["minimum"], meta["maximum"]
    for item in value if isinstance(value, list) else [value]:
        if choices and item not in choices:
            raise ConfigError(f"{name}: {item!r} is not allowed; choose one of "
                              f"{', '.join(choices)}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name}: {value!r} is out of range [{lo}, {hi}]")


def _check_timezone(name: str, value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}: {value!r} is not a time zone; use an IANA name such as "
                          "UTC or Europe/Paris") from None


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    """Turn a TOML value or an environment string into the setting's type, or say why not."""
    kind = {"str": str, "int": int, "float": float, "bool": bool,
            "list[str]": list}.get(kind, kind)
    try:
        if kind is bool:
            return _boolean(raw)
        if kind is list:
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            return [str(i).strip() for i in items if str(i).strip()]
        if kind is int and isinstance(raw, float | bool):
            raise ValueError
        if kind is str and not isinstance(raw, str):
            raise ValueError
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: {raw!r} is not a valid {kind.__name__}") from None


def _boolean(raw: Any) -> bool:
    """true/false, yes/no, on/off, 1/0 (any case), or a TOML boolean."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower() if isinstance(raw, str | int) else ""
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError


def load_settings(config_file: str | Path | None = None,
                  environ: Mapping[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Settings from defaults < TOML file < PAPERFEED_* environment < explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or env.get(CONFIG_ENV)
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = DEFAULT_CONFIG_FILE
    if path is not None:
        values.update(_read_toml(Path(path)))
    known = {f.name: f for f in fields(Settings)}
    for key, raw in env.items():
        if key.startswith(ENV_PREFIX) and key != CONFIG_ENV:
            name = key[len(ENV_PREFIX):].lower()
            if name not in known:
                raise ConfigError(f"{key}: unknown setting; known settings are "
                                  f"{', '.join(ENV_PREFIX + n.upper() for n in known)}")
            values[name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    typed = {k: _coerce(k, v, known[k].type) for k, v in values.items()}
    if "secret_key" not in typed:  # the key `paperfeed init` made for a local instance
        stored = _stored_secret(typed.get("database_url", Settings.database_url))
        if stored:
            typed["secret_key"] = stored
    return replace(Settings(), **typed) if typed else Settings()


# -- the secret key of a local instance ----------------------------------------------------

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "ip6-localhost"}


def secret_file(database_url: str) -> Path | None:
    """Where `paperfeed init` keeps a generated key: next to the SQLite file (PATH.secret,
    readable by its owner only); None for PostgreSQL or an in-memory database."""
    path = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") \
        else ""
    return Path(f"{path}.secret") if path and path != ":memory:" else None


def _stored_secret(database_url: str) -> str | None:
    path = secret_file(database_url)
    try:
        key = path.read_text(encoding="utf-8").strip() if path is not None else ""
    except OSError:
        return None
    return key or None


def make_secret(settings: Settings) -> Path | None:
    """Generate and store a random key for an instance on the default key (SQLite only);
    the path written, or None when a key is set or stored already, or cannot be stored."""
    import secrets

    path = secret_file(settings.database_url)
    if settings.secret_key != DEFAULT_SECRET or path is None or path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(32) + "\n")
    return path


def is_local(host: str) -> bool:
    """Whether host (a name or an address) is this machine's loopback."""
    import ipaddress

    name = host.strip().lower().strip("[]")
    if name in _LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_secret(settings: Settings, host: str | None = None) -> None:
    """Refuse the public default key unless the instance is reachable from this machine
    only (listening on loopback, base_url local): anyone could forge its sessions and links."""
    from urllib.parse import urlsplit

    if settings.secret_key != DEFAULT_SECRET:
        return
    exposed = [f"base_url {settings.base_url}"] if not is_local(
        urlsplit(settings.base_url).hostname or "") else []
    if host is not None and not is_local(host):
        exposed.insert(0, f"listening on {host}")
    if exposed:
        raise ConfigError(
            f"secret_key: the default key signs sessions and links that anyone can forge, "
            f"and this instance is not local ({', '.join(exposed)}). Set PAPERFEED_SECRET_KEY "
            "(or secret_key in paperfeed.toml) to a long random value, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`; for a local "
            "SQLite instance `paperfeed init` makes one.")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path}: not found (set --config or "
                          f"{CONFIG_ENV} to an existing file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: invalid TOML: {exc}") from None
    table = data.get("paperfeed", data)
    known = {f.name for f in fields(Settings)}
    for key in table:
        if key not in known:
            raise ConfigError(f"config file {path}: unknown setting {key!r}; known settings "
                              f"are {', '.join(sorted(known))}")
    return dict(table)


def all_setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


__all__ = ["Settings", "all_setting_names", "check_secret", "is_local", "load_settings",
           "make_secret", "secret_file"]
