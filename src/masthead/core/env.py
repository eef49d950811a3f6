"""Strict readers for environment variables; settings.py is their only caller."""

import os
import ssl
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (for Docker and systemd secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_name!r} cannot be read: {error}"
            ) from None
    return os.environ.get(name, default).strip()


SMTP_URL_PARAMETERS = {"tls", "timeout", "cafile", "verify"}


def parse_smtp_url(url: str) -> dict:
    """Turn smtp://user:pass@host:587?tls=starttls into SMTP EmailBackend options.

    tls: starttls (default on port 587), ssl (default on port 465) or none. The relay's certificate
    is verified against the system's trust store; cafile=/path/ca.pem trusts that bundle instead,
    and verify=no accepts any certificate. Those two become the options ssl_cafile and ssl_verify,
    which masthead.core.smtp_backend.EmailBackend and masthead.core.smtp_connection understand.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"MASTHEAD_SMTP_URL must look like smtp://user:pass@host:587?tls=starttls; got {url!r}"
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ImproperlyConfigured(f"MASTHEAD_SMTP_URL has a bad port: {url!r}") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - SMTP_URL_PARAMETERS)
    if unknown:
        # A misspelt cafile= or verify= must not pass unnoticed.
        raise ImproperlyConfigured(
            f"MASTHEAD_SMTP_URL has unknown parameters {', '.join(unknown)}; "
            f"known: {', '.join(sorted(SMTP_URL_PARAMETERS))}"
        )
    default_tls = "ssl" if parts.scheme == "smtps" or port == 465 else "none"
    if port == 587:
        default_tls = "starttls"
    tls = query.get("tls", default_tls).lower()
    if tls not in {"starttls", "ssl", "none"}:
        raise ImproperlyConfigured(
            f"MASTHEAD_SMTP_URL tls= must be starttls, ssl or none; got {tls!r}"
        )
    try:
        timeout = int(query.get("timeout", "30"))
    except ValueError:
        raise ImproperlyConfigured(
            f"MASTHEAD_SMTP_URL timeout= must be a whole number of seconds; got {query['timeout']!r}"
        ) from None
    options = {
        "host": parts.hostname,
        "port": port,
        "use_tls": tls == "starttls",
        "use_ssl": tls == "ssl",
        "timeout": timeout,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    options.update(_smtp_tls_options(query, tls))
    return options


def _smtp_tls_options(query: dict, tls: str) -> dict:
    """ssl_cafile and ssl_verify from cafile= and verify=, present only when asked for."""
    if "cafile" not in query and "verify" not in query:
        return {}
    if tls == "none":
        raise ImproperlyConfigured(
            "MASTHEAD_SMTP_URL cafile= and verify= need tls=starttls or tls=ssl; got tls=none"
        )
    options: dict = {}
    if "verify" in query:
        word = query["verify"].strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS or not word:
            raise ImproperlyConfigured(
                f"MASTHEAD_SMTP_URL verify= must be yes or no; got {query['verify']!r}"
            )
        if word in FALSE_WORDS:
            options["ssl_verify"] = False
    if "cafile" in query:
        if options.get("ssl_verify") is False:
            raise ImproperlyConfigured(
                "MASTHEAD_SMTP_URL sets both cafile= and verify=no; keep one of them"
            )
        cafile = query["cafile"]
        try:
            # Loading it now stops start-up on a missing or unreadable bundle, not the first send.
            ssl.create_default_context(cafile=cafile)
        except OSError as error:  # ssl.SSLError included
            raise ImproperlyConfigured(
                f"MASTHEAD_SMTP_URL cafile={cafile!r} cannot be read as a PEM CA bundle: {error}"
            ) from None
        options["ssl_cafile"] = cafile
    return options
