"""`generate.py check-deploy`: what in a site's settings is not safe for production, one line each
(after Django's `check --deploy`), exit 1 if anything. It reads the settings and the folders they
name; it changes nothing and contacts no server."""

from __future__ import annotations

import argparse
import ipaddress
import os
import stat
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from ..settings import Settings
from . import EXIT_OK, EXIT_SOME_FAILED


def check_deploy_command(args: argparse.Namespace, settings: Settings) -> int:
    del args
    found = deploy_problems(settings)
    for line in found:
        print(line)
    print(f"check-deploy: {len(found)} problem(s)" if found else "check-deploy: nothing found")
    return EXIT_SOME_FAILED if found else EXIT_OK


def deploy_problems(settings: Settings) -> list[str]:
    """Each setting a production site should not have, as `SETTING: what is wrong; what to do`."""
    web, email = settings.web, settings.email
    found: list[str] = []
    if settings.debug:
        found.append("debug: true shows internal errors' frames to whoever runs a command; turn it off")
    if settings.log_level == "DEBUG":
        found.append("log_level: DEBUG logs more than production needs; use WARNING or INFO")
    if web.trusted_user_header and not web.trusted_proxies:
        found.append("web.trusted_user_header: set without web.trusted_proxies; anyone could name a user")
    for network in web.trusted_proxies:
        if ipaddress.ip_network(network).num_addresses > 2**24:
            found.append(f"web.trusted_proxies: {network} trusts more than a /8; name the proxies themselves")
    if web.session_idle_minutes > 60:
        found.append(f"web.session_idle_minutes: {web.session_idle_minutes}; a shared desk wants 60 or less")
    if web.session_max_hours > 12:
        found.append(f"web.session_max_hours: {web.session_max_hours}; a session should end with the shift, 12 or less")
    if "*" in web.allowed_hosts:
        found.append("web.allowed_hosts: * answers to any Host header; name the host people type")
    if web.behind_proxy and not web.trusted_proxies:
        found.append("web.behind_proxy: set without web.trusted_proxies; name the TLS proxy in front")
    if web.sign_in_failures > 10:
        found.append(f"web.sign_in_failures: {web.sign_in_failures}; 10 or fewer slows password guessing")
    if web.sign_in_delay_seconds < 1:
        found.append(
            f"web.sign_in_delay_seconds: {web.sign_in_delay_seconds:g}; under 1 second barely slows password guessing"
        )
    if "admin" not in web.require_totp_for:
        found.append("web.require_totp_for: does not include admin; admins should sign in with a second factor")
    if not is_loopback(settings.listener.host):
        found.append(
            f"listener.host: {settings.listener.host}; MLLP is not encrypted: keep it on loopback, or on a "
            "closed network or VPN between the interface engine and this machine"
        )
    if email.passphrase == "date_of_birth":  # noqa: S105 (a policy name)
        found.append("email.passphrase: date_of_birth falls to a guessing program in about a minute; use words")
    found += _relay_problems(settings)
    found += _database_problems(settings)
    found += _folder_problems("web.out_dir", web.out_dir)
    return found


def _relay_problems(settings: Settings) -> list[str]:
    if not settings.smtp_url:
        return []
    parts = urlsplit(settings.smtp_url)
    found = []
    if "tls=none" in parts.query and not is_loopback(parts.hostname or ""):
        found.append("smtp_url: ?tls=none to a relay on another machine sends packets' messages in clear text")
    if parts.password is not None:
        found.append("smtp_url: holds the relay's password; keep it in smtp_password_file (mode 0600)")
    return found


_ENCRYPTED = ("require", "verify-ca", "verify-full")
"""libpq's `sslmode`s that refuse an unencrypted connection (its default, `prefer`, falls back to one)."""


def _database_problems(settings: Settings) -> list[str]:
    parts = urlsplit(settings.database_url)
    if parts.scheme.startswith("postgresql"):
        found = ["database_url: holds the password; use a password file (PGPASSFILE)"] if parts.password else []
        host = parts.hostname or ""
        sslmode = dict(parse_qsl(parts.query)).get("sslmode") or os.environ.get("PGSSLMODE", "prefer")
        if not (host.startswith("/") or is_loopback(host)) and sslmode not in _ENCRYPTED:
            found.append(
                f"database_url: PostgreSQL on {host} with sslmode={sslmode} may be read on the network; "
                "add ?sslmode=verify-full (or require)"
            )
        return found
    if parts.scheme.startswith("sqlite"):
        return _folder_problems("database_url", Path(settings.database_url.split(":///", 1)[-1]))
    return []


def _folder_problems(setting: str, path: Path) -> list[str]:
    """A file or folder of patient data that other users of the machine may read or enter."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IXOTH):
        shown = f"{stat.S_IMODE(mode):04o}"
        return [f"{setting}: {path} is open to other users of this machine (mode {shown}); make it 0700 or 0600"]
    return []


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
