"""Pure digest logic, signed tokens and rendered mails (no database, no network)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest

from digest_data import NOW, sample_papers
from paperfeed.config import Settings, load_settings
from paperfeed.deliver.digest import due_date, pick, window_days
from paperfeed.deliver.links import Links, Tokens
from paperfeed.deliver.mailer import wire_bytes
from paperfeed.deliver.render import Renderer, digest_message_id, header_text
from paperfeed.deliver.subscriptions import InvalidSubscription, make_preferences
from paperfeed.models import Digest, Hit, Preferences, Subscription
from paperfeed.signing import BadLink


@pytest.fixture
def settings() -> Settings:
    return load_settings(environ={}, base_url="https://papers.example.org",
                         mail_from="Paper Feed <digest@papers.example.org>",
                         secret_key="test-secret")


def _sub(**prefs: object) -> Subscription:
    return Subscription(id=7, email="reader@example.org", prefs=Preferences(**prefs),  # type: ignore[arg-type]
                        status="active")


# -- schedule -------------------------------------------------------------------------------

def test_a_daily_digest_is_due_once_the_local_send_hour_has_passed() -> None:
    sub = _sub(send_hour=8, timezone="America/New_York")
    assert due_date(sub, datetime(2026, 3, 10, 11, 59, tzinfo=UTC)) is None  # 07:59 there
    assert due_date(sub, datetime(2026, 3, 10, 12, 0, tzinfo=UTC)) == date(2026, 3, 10)
    assert due_date(sub, datetime(2026, 3, 11, 2, 0, tzinfo=UTC)) == date(2026, 3, 10)


def test_the_local_date_decides_the_digest_day_across_midnight_utc() -> None:
    sub = _sub(send_hour=7, timezone="Asia/Tokyo")
    assert due_date(sub, datetime(2026, 3, 10, 23, 0, tzinfo=UTC)) == date(2026, 3, 11)


def test_a_weekly_digest_is_due_only_on_its_weekday() -> None:
    sub = _sub(frequency="weekly", weekday=1, send_hour=0)  # Tuesdays
    assert due_date(sub, datetime(2026, 3, 10, 9, tzinfo=UTC)) == date(2026, 3, 10)
    assert due_date(sub, datetime(2026, 3, 11, 9, tzinfo=UTC)) is None


def test_the_window_runs_from_the_last_digest_and_is_capped() -> None:
    day = date(2026, 3, 10)
    assert window_days(_sub(), day) == 1
    assert window_days(_sub(frequency="weekly"), day) == 7
    last = Subscription(id=1, email="a@b.org", last_digest_date=date(2026, 3, 7))
    assert window_days(last, day) == 3
    old = Subscription(id=1, email="a@b.org", last_digest_date=date(2025, 1, 1))
    assert window_days(old, day) == 14


def _hits(*ids: str) -> list[Hit]:
    papers = {p.id: p for p in sample_papers()}
    return [Hit(paper=papers[i], reason=f"matches topic '{i}'") for i in ids]


def test_pick_leaves_out_papers_sent_before_and_never_repeats_one() -> None:
    digest = pick(_sub(), date(2026, 3, 10), trending=_hits("seed-001", "seed-002", "seed-003"),
                  for_you=_hits("seed-002", "seed-004", "seed-005", "seed-006"),
                  already_sent={"seed-001", "seed-005"}, trending_count=2, for_you_count=2)
    assert [h.paper.id for h in digest.trending] == ["seed-002", "seed-003"]
    assert [h.paper.id for h in digest.for_you] == ["seed-004", "seed-006"]
    assert digest.count == 4


# -- preferences ------------------------------------------------------------------------------

def test_preferences_are_checked_and_cleaned(settings: Settings) -> None:
    prefs = make_preferences(settings, topics=[" protein design -diffusion ", "", "x\r\nBcc: a@b"],
                             categories=["cs.LG, q-bio.BM", "cs.LG"], frequency="weekly",
                             weekday="fri", send_hour=6, timezone="Europe/Paris")
    assert prefs.topics == ("protein design -diffusion", "x Bcc: a@b")
    assert prefs.categories == ("cs.LG", "q-bio.BM")
    assert (prefs.weekday, prefs.send_hour, prefs.timezone) == (4, 6, "Europe/Paris")


@pytest.mark.parametrize(("field", "value"), [
    ("timezone", "Mars/Olympus"), ("timezone", "../../etc/passwd"), ("frequency", "hourly"),
    ("send_hour", 24), ("weekday", "someday"), ("categories", ["cs.LG; DROP TABLE"]),
])
def test_bad_preferences_are_refused_with_the_field_named(settings: Settings, field: str,
                                                          value: object) -> None:
    with pytest.raises(InvalidSubscription, match=field):
        make_preferences(settings, **{field: value})  # type: ignore[arg-type]


# -- tokens -----------------------------------------------------------------------------------

def test_tokens_round_trip_and_expire() -> None:
    clock = [1_000_000.0]
    tokens = Tokens("k", confirm_seconds=3600, manage_seconds=86400, clock=lambda: clock[0])
    token = tokens.make("confirm", 42, "a@example.org")
    assert tokens.read("confirm", token)[0] == 42
    clock[0] += 3601
    with pytest.raises(BadLink) as err:
        tokens.read("confirm", token)
    assert err.value.expired


def test_a_token_for_one_purpose_or_key_does_not_open_another() -> None:
    tokens = Tokens("k", confirm_seconds=60, manage_seconds=60)
    token = tokens.make("manage", 1, "a@example.org")
    with pytest.raises(BadLink):
        tokens.read("unsubscribe", token)
    with pytest.raises(BadLink):
        Tokens("other", confirm_seconds=60, manage_seconds=60).read("manage", token)
    with pytest.raises(BadLink):
        tokens.read("manage", token[:-2])


# -- rendering --------------------------------------------------------------------------------

def _digest(topic: str = "in-context learning") -> Digest:
    sub = Subscription(id=7, email="reader@example.org",
                       prefs=Preferences(topics=(topic,)), status="active")
    return Digest(sub, date(2026, 3, 10), trending=tuple(_hits("seed-001", "seed-002")),
                  for_you=tuple(_hits("seed-076")))


def _rendered(settings: Settings, digest: Digest) -> EmailMessage:
    renderer = Renderer(settings, Links(settings, Tokens.from_settings(settings)))
    msg = renderer.digest(digest, message_id=digest_message_id(settings, 7, digest.digest_date),
                          now=NOW)
    raw = wire_bytes(msg)
    parsed = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_digest_has_the_headers_mail_clients_need(settings: Settings) -> None:
    msg = _rendered(settings, _digest())
    assert msg["Subject"] == "paperfeed digest for Tue 10 Mar 2026: 3 new papers"
    assert msg["From"] == "Paper Feed <digest@papers.example.org>"
    assert msg["Reply-To"] == "Paper Feed <digest@papers.example.org>"
    assert msg["To"] == "reader@example.org"
    assert msg["Date"].datetime == NOW
    assert msg["Message-ID"].endswith("@papers.example.org>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip(" <>") for part in msg["List-Unsubscribe"].split(","))
    assert https.startswith("https://papers.example.org/unsubscribe/")
    assert mailto.startswith("mailto:digest@papers.example.org?subject=unsubscribe%20")


def test_the_list_unsubscribe_header_is_sent_plain_not_encoded(settings: Settings) -> None:
    renderer = Renderer(settings, Links(settings, Tokens.from_settings(settings)))
    raw = wire_bytes(renderer.digest(_digest(), message_id="<m@x>", now=NOW))
    line = next(x for x in raw.split(b"\r\n") if x.startswith(b"List-Unsubscribe:"))
    assert b"<https://papers.example.org/unsubscribe/" in line and b"=?" not in line


def test_a_digest_has_text_and_html_parts_with_the_papers_and_reasons(settings: Settings) -> None:
    msg = _rendered(settings, _digest())
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in (text, html):
        assert "Model Immunization from a Condition Number Perspective" in part
        assert "matches topic &#39;seed-076&#39;" in part or "matches topic 'seed-076'" in part
        assert "https://papers.example.org/subscriptions/manage/" in part
        assert "https://papers.example.org/unsubscribe/" in part
        assert "https://papers.example.org/papers/seed-002" in part
    assert "prefers-color-scheme: dark" in html and "color-scheme" in html
    assert "<img" not in html and "<script" not in html


def test_untrusted_text_is_escaped_in_html(settings: Settings) -> None:
    papers = sample_papers()
    evil = Hit(paper=papers[0].__class__(id="x-1", title="<script>alert(1)</script> & co",
                                         abstract="a < b"), reason="matches topic '<b>'")
    digest = Digest(_sub(), date(2026, 3, 10), for_you=(evil,))
    html = _rendered(settings, digest).get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_crlf_in_names_and_topics_cannot_inject_headers(settings: Settings) -> None:
    sneaky = settings.__class__(**{**settings.__dict__,
                                   "site_name": "Feed\r\nBcc: victim@evil.example"})
    msg = _rendered(sneaky, _digest(topic="ml\r\nBcc: victim@evil.example\r\n\r\nbody"))
    assert msg["Bcc"] is None and msg.get_all("To") == ["reader@example.org"]
    assert "\n" not in msg["Subject"] and "\r" not in msg["List-Id"]
    assert header_text("a\r\nb\x00c\u2028d") == "a b c d"


def test_the_subject_counts_one_paper_in_the_singular(settings: Settings) -> None:
    digest = Digest(_sub(), date(2026, 3, 1), for_you=tuple(_hits("seed-003")))
    assert _rendered(settings, digest)["Subject"].endswith("Sun 1 Mar 2026: 1 new paper")


def test_the_confirmation_mail_carries_a_signed_link_and_no_list_headers(
        settings: Settings) -> None:
    renderer = Renderer(settings, Links(settings, Tokens.from_settings(settings)))
    msg = renderer.confirmation(_sub(), now=NOW + timedelta(0))
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://papers.example.org/subscribe/confirm/" in text
    assert msg["List-Unsubscribe"] is None
    assert msg["Subject"] == "Confirm your paperfeed subscription"
