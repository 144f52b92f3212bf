"""Settings load from file and environment, and fail loudly naming the setting."""

from __future__ import annotations

import re
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperfeed.cli import main
from paperfeed.config import (
    DEFAULT_SECRET,
    Settings,
    all_setting_names,
    check_secret,
    load_settings,
)
from paperfeed.errors import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_use_the_embedded_sqlite_file() -> None:
    assert load_settings(environ={}).database_url == "sqlite:///./paperfeed.db"


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "paperfeed.toml"
    config.write_text('port = 9000\nsite_name = "lab papers"\ncategories = ["cs.LG"]\n')
    env = {"PAPERFEED_PORT": "9100", "PAPERFEED_CATEGORIES": "cs.CL, q-bio.BM"}
    settings = load_settings(config, environ=env)
    assert settings.port == 9100
    assert settings.site_name == "lab papers"
    assert settings.categories == ["cs.CL", "q-bio.BM"]
    assert load_settings(config, environ=env, port=9200).port == 9200


def test_config_path_from_environment(tmp_path: Path) -> None:
    config = tmp_path / "x.toml"
    config.write_text('[paperfeed]\nsite_name = "from env path"\n')
    assert load_settings(environ={"PAPERFEED_CONFIG": str(config)}).site_name == "from env path"


@pytest.mark.parametrize(("text", "message"), [
    ("colour = 'red'\n", "unknown setting 'colour'"),
    ("port = 'eighty'\n", "port: 'eighty' is not a valid int"),
    ("port = 70000\n", "port: 70000 is out of range"),
    ("smtp_security = 'ssl'\n", "smtp_security: 'ssl' is not allowed; choose one of none"),
    ("database_url = 'mysql://x'\n", "database_url: 'mysql://x' is not supported"),
    ("port = [\n", "invalid TOML"),
])
def test_bad_file_names_the_setting(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "paperfeed.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(config, environ={})


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found .*PAPERFEED_CONFIG"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_unknown_environment_variable_is_refused() -> None:
    with pytest.raises(ConfigError, match="PAPERFEED_DATABSE_URL: unknown setting"):
        load_settings(environ={"PAPERFEED_DATABSE_URL": "sqlite:///x.db"})


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings(environ={"PAPERFEED_ENVIRONMENT": "production"})
    ok = load_settings(environ={"PAPERFEED_ENVIRONMENT": "production",
                                "PAPERFEED_SECRET_KEY": "x" * 40})
    assert "x" * 40 not in repr(ok)  # secrets stay out of logs


def test_every_setting_is_documented_in_readme() -> None:
    readme = README.read_text()
    missing = [n for n in all_setting_names() if f"PAPERFEED_{n.upper()}" not in readme]
    assert missing == []
    assert set(Settings().documented()) == set(all_setting_names())


# -- the secret key ---------------------------------------------------------------------------

@pytest.mark.parametrize(("host", "base_url"), [
    ("0.0.0.0", "http://127.0.0.1:8000"), ("192.168.1.5", "http://localhost:8000"),
    ("127.0.0.1", "https://papers.example.org"), (None, "http://10.0.0.7:8000"),
])
def test_the_default_key_is_refused_when_the_instance_is_not_local(
        host: str | None, base_url: str) -> None:
    settings = load_settings(environ={}, base_url=base_url)
    with pytest.raises(ConfigError, match="PAPERFEED_SECRET_KEY") as caught:
        check_secret(settings, host)
    assert "token_urlsafe" in str(caught.value)
    check_secret(replace(settings, secret_key="a-long-random-value-set-by-the-admin"), host)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.1.1", None])
def test_the_default_key_is_allowed_on_loopback(host: str | None) -> None:
    check_secret(load_settings(environ={}, base_url="http://localhost:8000"), host)


def test_init_makes_a_key_for_a_local_instance_that_every_process_reads(
        tmp_path: Path) -> None:
    env = {"PAPERFEED_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    result = CliRunner().invoke(main, ["init"], env=env)
    assert result.exit_code == 0 and "generated a secret key" in result.output
    key_file = tmp_path / "p.db.secret"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = load_settings(environ=env).secret_key
    assert key != DEFAULT_SECRET and key == key_file.read_text().strip() and len(key) >= 40
    again = CliRunner().invoke(main, ["init"], env=env)
    assert "generated" not in again.output and load_settings(environ=env).secret_key == key
    assert load_settings(environ={**env, "PAPERFEED_SECRET_KEY": "mine"}).secret_key == "mine"


def test_serve_refuses_to_listen_openly_with_the_default_key(tmp_path: Path) -> None:
    env = {"PAPERFEED_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "1"], env=env)
    assert result.exit_code == 1
    assert "listening on 0.0.0.0" in result.output and "PAPERFEED_SECRET_KEY" in result.output


def test_model_cache_dir_holds_every_derived_file_of_the_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperfeed.index import embedder, keyword_layout
    from paperfeed.index.vectors import VectorIndex
    from paperfeed.store import open_store

    monkeypatch.setattr(embedder, "_cache_root", None)
    assert embedder.default_cache_dir() == Path.home() / ".cache" / "paperfeed"
    cache = tmp_path / "big-disk"
    env = {"PAPERFEED_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "PAPERFEED_MODEL_CACHE_DIR": str(cache)}
    assert CliRunner().invoke(main, ["init"], env=env).exit_code == 0
    assert embedder.default_cache_dir() == cache
    assert VectorIndex("minilm-static-256").ann.cache_dir == cache / "ann"
    # (the suite keeps keyword indexes in each test's own directory: undone here)
    monkeypatch.setattr(keyword_layout, "default_cache_dir", embedder.default_cache_dir)
    store = open_store(env["PAPERFEED_DATABASE_URL"])
    assert keyword_layout.index_dir(store).parent == cache / "keyword"
