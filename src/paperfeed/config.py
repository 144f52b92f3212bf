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
    environment: str = _setting("development", "development or production; production "
                                "refuses to start with the default secret_key.",
                                choices=("development", "production"))
    host: str = _setting("127.0.0.1", "Address `paperfeed serve` listens on.")
    port: int = _setting(8000, "Port `paperfeed serve` listens on.", minimum=1, maximum=65535)
    base_url: str = _setting("http://127.0.0.1:8000", "Public URL of this instance, used in "
                             "links in mails and feeds.")
    secret_key: str = _setting(DEFAULT_SECRET, "Signs sessions, sign-in and unsubscribe "
                               "tokens. Set a long random value in production.", secret=True)
    site_name: str = _setting("paperfeed", "Name shown in the page header, feeds and mails.")
    log_level: str = _setting("INFO", "Logging level.",
                              choices=("DEBUG", "INFO", "WARNING", "ERROR"))
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
    trending_half_life_days: float = _setting(3.0, "A vote's weight halves every this many "
                                              "days in trending.", minimum=0.01)
    embedding_model: str = _setting("minilm-l6-v2", "Sentence-embedding model for semantic "
                                    "search.")
    model_cache_dir: str = _setting("", "Where derived model files are cached (default "
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

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_bounds(f.name, getattr(self, f.name), f.metadata)
        if not self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(f"database_url: {self.database_url!r} is not supported; use "
                              "sqlite:///PATH or postgresql://USER@HOST/DB")
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ConfigError("secret_key: production refuses the default secret key; set "
                              "PAPERFEED_SECRET_KEY to a long random value")

    def documented(self) -> dict[str, str]:
        """Setting name -> its one-line documentation."""
        return {f.name: f.metadata["doc"] for f in fields(self)}


def _check_bounds(name: str, value: Any, meta: Mapping[str, Any]) -> None:
    choices, lo, hi = meta["choices"], meta["minimum"], meta["maximum"]
    if choices and value not in choices:
        raise ConfigError(f"{name}: {value!r} is not allowed; choose one of {', '.join(choices)}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name}: {value!r} is out of range [{lo}, {hi}]")


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    """Turn a TOML value or an environment string into the setting's type, or say why not."""
    kind = {"str": str, "int": int, "float": float, "list[str]": list}.get(kind, kind)
    try:
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
    return replace(Settings(), **typed) if typed else Settings()


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


__all__ = ["Settings", "all_setting_names", "load_settings"]
