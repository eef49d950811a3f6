"""Email addresses normalised and validated once, where they come in (forms, imports, invitations).

Everything stored is lowercased with an ASCII (IDNA 2008 / UTS 46) domain, so what we hand to
SMTP at send time is what the reader typed, in a form every mail server accepts. A UTF-8 local
part (``josé@example.com``) is only accepted when our transport can deliver to it: an SMTP server
that advertises SMTPUTF8 (RFC 6531).
"""

import logging
import re
import time
import unicodedata

try:  # IDNA 2008 with UTS 46 mapping; installed with django-anymail and requests
    import idna
except ImportError:  # pragma: no cover - Python's own codec implements only IDNA 2003
    idna = None  # type: ignore[assignment]

from django.conf import settings
from django.core.cache import cache

from masthead.core.smtp_connection import open_smtp

logger = logging.getLogger(__name__)

MAX_LOCAL_PART_OCTETS = 64
MAX_ADDRESS_OCTETS = 254
MAX_DOMAIN_OCTETS = 253
SMTPUTF8_CACHE_SECONDS = 60 * 60
SMTPUTF8_FAILED_PROBE_CACHE_SECONDS = 60

# RFC 5322 atext: what a dot-atom local part may hold besides dots.
_ASCII_ATEXT = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
)
_LDH_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidAddress(ValueError):
    """An address we will not store; str() is a message a reader can act on."""


def _shown(raw: str) -> str:
    # Echo what was typed, but never a page-long paste.
    return raw if len(raw) <= 80 else raw[:77] + "…"


def _not_valid(raw: str) -> InvalidAddress:
    return InvalidAddress(f"“{_shown(raw)}” is not a valid email address, like name@example.com.")


def _encode_idna(domain: str) -> str:
    # idna.IDNAError is a UnicodeError, as are the codec's errors.
    if idna is not None:
        return idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    return domain.encode("idna").decode("ascii")


def _decode_idna(label: str) -> str:
    if idna is not None:
        return idna.decode(label)
    return label.encode("ascii").decode("idna")


def to_ascii_domain(domain: str) -> str:
    """The ASCII (A-label) form of a domain, lowercased; raises InvalidAddress."""
    if not isinstance(domain, str) or not domain:
        raise InvalidAddress("The part after the @ is missing.")
    if domain.isascii():
        ascii_domain = domain.lower()
    else:
        try:
            ascii_domain = _encode_idna(domain)
        except (UnicodeError, ValueError) as error:
            raise InvalidAddress(
                f"“{_shown(domain)}” after the @ is not a domain we can send to."
            ) from error
        ascii_domain = ascii_domain.lower()
    if len(ascii_domain) > MAX_DOMAIN_OCTETS:
        raise InvalidAddress("The part after the @ is too long.")
    for label in ascii_domain.split("."):
        if not _LDH_LABEL.match(label):
            raise InvalidAddress(f"“{_shown(domain)}” after the @ is not a domain we can send to.")
        if label.startswith("xn--"):
            try:
                _decode_idna(label)
            except (UnicodeError, ValueError) as error:
                raise InvalidAddress(
                    f"“{_shown(domain)}” after the @ is not a domain we can send to."
                ) from error
    return ascii_domain


def has_utf8_local_part(address: str) -> bool:
    local_part = address.rpartition("@")[0] if "@" in address else address
    return not local_part.isascii()


def _is_utf8_atext(character: str) -> bool:
    # RFC 6531 adds any non-ASCII UTF-8 to atext; we still refuse controls, format characters,
    # unassigned code points and every kind of space, which no mailbox should need.
    return not character.isascii() and unicodedata.category(character)[0] not in "CZ"


def _check_local_part(raw: str, local_part: str) -> None:
    if not local_part:
        raise InvalidAddress("The part before the @ is missing.")
    if local_part.startswith('"'):
        raise InvalidAddress(
            "Addresses with quotation marks before the @ are not supported; "
            "please use another address."
        )
    if len(local_part.encode("utf-8")) > MAX_LOCAL_PART_OCTETS:
        raise InvalidAddress("The part before the @ is too long (64 characters at most).")
    for atom in local_part.split("."):
        if not atom:
            raise InvalidAddress(
                f"“{_shown(raw)}” is not a valid email address: a dot cannot start or end "
                "the part before the @, or follow another dot."
            )
        for character in atom:
            if character not in _ASCII_ATEXT and not _is_utf8_atext(character):
                raise _not_valid(raw)


def normalize_address(raw: str, *, allow_utf8_local_part: bool | None = None) -> str:
    """The address as we store it: lowercased, ASCII domain; raises InvalidAddress.

    A UTF-8 local part is accepted when allow_utf8_local_part is True, or when it is None and
    the SMTP server we send through advertises SMTPUTF8.
    """
    if not isinstance(raw, str):
        raise InvalidAddress("Enter your email address.")
    typed = raw.strip()  # what the messages echo
    # NFC so that the same letters typed on different keyboards give the same stored address.
    address = unicodedata.normalize("NFC", unicodedata.normalize("NFC", typed).lower())
    if not address:
        raise InvalidAddress("Enter your email address.")
    if any(
        character.isspace() or unicodedata.category(character) in ("Cc", "Cs")
        for character in address
    ):
        raise InvalidAddress(
            f"“{_shown(typed)}” is not a valid email address: it contains spaces "
            "or invisible characters."
        )
    if address.count("@") != 1:
        raise _not_valid(typed)
    local_part, domain = address.split("@")
    _check_local_part(typed, local_part)
    if not domain:
        raise InvalidAddress("The part after the @ is missing.")
    if domain.startswith("["):
        raise InvalidAddress(
            "Addresses at an IP address are not supported; please use an address at a domain."
        )
    if domain.endswith(".") or domain.endswith("。"):
        raise InvalidAddress(
            f"“{_shown(typed)}” is not a valid email address: it cannot end with a dot."
        )
    ascii_domain = to_ascii_domain(domain)
    if "." not in ascii_domain:
        raise InvalidAddress(
            f"“{_shown(typed)}” is not a valid email address: "
            "the domain needs a dot, like example.com."
        )
    if ascii_domain.rpartition(".")[2].isdigit():
        raise InvalidAddress(
            "Addresses at an IP address are not supported; please use an address at a domain."
        )
    normalized = f"{local_part}@{ascii_domain}"
    if len(normalized.encode("utf-8")) > MAX_ADDRESS_OCTETS:
        raise InvalidAddress("That email address is too long (254 characters at most).")
    if not local_part.isascii():
        if allow_utf8_local_part is None:
            allow_utf8_local_part = transport_offers_smtputf8()
        if not allow_utf8_local_part:
            raise InvalidAddress(
                "The part before the @ has characters our mail server cannot deliver to; "
                "please use another address."
            )
    return normalized


def transport_offers_smtputf8() -> bool:
    """Whether the mail we send can go to UTF-8 local parts (cached; False when unsure).

    Asked only for an address with a UTF-8 local part; the connection is open_smtp's, with the
    same TLS verification, login and timeout as every other message to the relay.
    """
    if getattr(settings, "EMAIL_PROVIDER", ""):
        # The ESP APIs we support do not document SMTPUTF8 delivery; refuse rather than bounce.
        return False
    options = settings.MAILERS["default"].get("OPTIONS", {})
    host = options.get("host") or "localhost"
    port = options.get("port") or 25
    key = f"masthead:smtputf8:{host}:{port}:{int(bool(options.get('use_ssl')))}"
    # The answer carries its own expiry (the wall clock), the cache's TTL only bounds its life.
    cached = cache.get(key)
    if cached is not None and cached[1] > time.time():
        return cached[0]
    try:
        smtp = open_smtp(options)
        try:
            # After STARTTLS the server's first EHLO answer is void: ask again over TLS.
            smtp.ehlo_or_helo_if_needed()
            offers = smtp.has_extn("smtputf8")
        finally:
            try:
                smtp.quit()
            except OSError:  # smtplib.SMTPException is an OSError too
                smtp.close()
    except OSError as error:  # open_smtp's SMTPConnectionFailed is one
        logger.warning("Could not ask %s:%s whether it offers SMTPUTF8: %s", host, port, error)
        _remember(key, False, SMTPUTF8_FAILED_PROBE_CACHE_SECONDS)
        return False
    _remember(key, offers, SMTPUTF8_CACHE_SECONDS)
    return offers


def _remember(key: str, offers: bool, seconds: int) -> None:
    cache.set(key, (offers, time.time() + seconds), seconds)


def readable_address(email: str) -> str:
    """A stored address with its domain in Unicode again (bücher.example, not xn--bcher-kva),
    decoded as to_ascii_domain encoded it; the address unchanged when it cannot be."""
    local_part, _, domain = email.rpartition("@")
    if "xn--" not in domain:
        return email
    try:
        return f"{local_part}@{_decode_idna(domain)}"
    except (UnicodeError, ValueError):
        return email
