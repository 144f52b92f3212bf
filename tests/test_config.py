"""Settings load from file and environment, and fail loudly naming the setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paperfeed.config import Settings, all_setting_names, load_settings
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
