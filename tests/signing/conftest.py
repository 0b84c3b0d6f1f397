"""Fixtures: a real consent from the project (its packet), a test signing CA, the site's certifier."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from packetgen import build
from packetgen.cli import main
from packetgen.library import load_library
from packetgen.settings import SignSettings
from packetgen.signing.certify import Certifier, load_certifier
from packetgen.signing.layout import Layout, find_boxes
from tests.helpers.blocks import eye_site
from tests.helpers.signing import SigningCA, make_signing_ca
from tests.helpers.site import BASE_APPOINTMENT, ROOT, TODAY

PACKETS = {
    "letter": ("ivanova.yaml", []),
    "large-print": ("ivanova.yaml", ["--layout", "large-print"]),
    "spanish": ("garcia.yaml", []),
}
"""A consent with every signer's block (the telephone witness's too), in large print, and in Spanish
with the interpreter required."""


@pytest.fixture(scope="session")
def make_packet(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], bytes]:
    made: dict[str, bytes] = {}

    def make(name: str) -> bytes:
        if name == "eye" and name not in made:  # a consent with check boxes in its text (tests/helpers/blocks.py)
            site = eye_site(tmp_path_factory.mktemp("eye-site"))
            record = {**BASE_APPOINTMENT, "procedure": "eye-test", "laterality": "left"}
            path = site / "appointment.yaml"
            path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
            made[name] = build.make_packet(
                path, site / "out", library=load_library(site), today=TODAY
            ).path.read_bytes()
        if name not in made:
            appointment, options = PACKETS[name]
            out = tmp_path_factory.mktemp(name)
            source = ROOT / "examples/appointments" / appointment
            assert main(["packet", str(source), "--out", str(out), *options]) == 0
            made[name] = next(out.glob("*.pdf")).read_bytes()
        return made[name]

    return make


@pytest.fixture(scope="session")
def packet(make_packet: Callable[[str], bytes]) -> bytes:
    """The example Ivanova packet: handout, then the five-page consent (every signer's block)."""
    return make_packet("letter")


@pytest.fixture(scope="session")
def layout(packet: bytes) -> Layout:
    return find_boxes(packet)


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> SigningCA:
    return make_signing_ca(tmp_path_factory.mktemp("signing-ca"))


@pytest.fixture(scope="session")
def certifier(ca: SigningCA) -> Certifier:
    """The site's certificate with its chain up to the root: B-LT."""
    return load_certifier(SignSettings(certificate=ca.certificate, key=ca.key, chain=(ca.root,)))


@pytest.fixture
def site_settings(ca: SigningCA, tmp_path: Path) -> Path:
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        f"sign:\n  certificate: {ca.certificate}\n  key: {ca.key}\n  chain: [{ca.root}]\n", encoding="utf-8"
    )
    return settings
