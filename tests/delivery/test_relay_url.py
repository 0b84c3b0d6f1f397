"""The relay URL is outside data (a site's settings): any text either works or is one line that
never repeats the password."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from packetgen.delivery.relay import relay_config
from packetgen.errors import InputErrors
from packetgen.settings import load_settings

SECRETS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=11, max_size=29).map(
    lambda text: "\u2603" + text
)
"""Passwords, each with a character no message of ours holds (a snowman), so that a password found in a
message was put there: a drawn password could otherwise be a piece of the message's own words."""
TAILS = st.sampled_from(["", "?tls=none", "?tls=off", "?x=1", "/path", ":99999", ":587", "?tls=starttls", "#frag"])


@given(scheme=st.sampled_from(["smtp", "smtps", "http", "SMTP", ""]), secret=SECRETS, tail=TAILS)
def test_a_relay_url_works_or_is_one_line_without_its_password(scheme: str, secret: str, tail: str) -> None:
    url = f"{scheme}://user:{quote(secret, safe='')}@relay.example.org{tail}"
    try:
        settings = load_settings({"PACKETGEN_SMTP_URL": url})
    except InputErrors as exc:
        lines = exc.lines()
        assert len(lines) == 1
        assert lines[0].startswith("PACKETGEN_SMTP_URL: smtp_url: expected")
        assert secret not in lines[0]
        assert quote(secret, safe="") not in lines[0]
        return
    config = relay_config(settings)
    assert config.password == secret
    assert config.host == "relay.example.org"
    assert config.implicit_tls == (scheme.lower() == "smtps")
    assert config.starttls == (scheme.lower() == "smtp" and "tls=none" not in tail)
