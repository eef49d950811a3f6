"""How pre-built newsletter bytes leave the building: DKIM signing, then SMTP or an ESP's API.

`open_transport()` gives one connection-like object with `send(envelope_from, recipient, message)`
and `close()`. `send` raises RecipientRefused when this one address (or this message) is refused,
so the delivery can be retried or failed, and TransportUnavailable when the server or API cannot
take mail at all, so the batch goes back to the queue untouched.
"""

import base64
import contextlib
import email
import email.policy
import functools
import hashlib
import re
import smtplib
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from masthead.core.addresses import InvalidAddress, to_ascii_domain
from masthead.core.smtp_connection import SMTPConnectionFailed, open_smtp

SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"List-Id",
)


class RecipientRefused(Exception):
    """This one recipient (or this message) did not go out; other recipients may work.

    `kind` says what becomes of the delivery: BOUNCE (a 5xx at RCPT or DATA: the address is
    suppressed), TEMPORARY (a 4xx, greylisting: tried again later) or ERROR (anything else that
    went wrong for this recipient alone, such as an address the server cannot take: failed)."""

    BOUNCE = "bounce"
    TEMPORARY = "temporary"
    ERROR = "error"

    def __init__(self, reason: str, kind: str = ERROR):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind

    @classmethod
    def from_reply(cls, code: int, text) -> "RecipientRefused":
        """A server's refusal: 5xx is permanent, 4xx temporary, anything else an error."""
        kind = {5: cls.BOUNCE, 4: cls.TEMPORARY}.get(code // 100, cls.ERROR)
        return cls(f"{code} {_text(text)}".strip(), kind)


class TransportUnavailable(Exception):
    """Nothing can be sent right now: server down, connection dropped, API failing."""


# DKIM -------------------------------------------------------------------------------------------
# RFC 6376, rsa-sha256 with relaxed/relaxed canonicalization. Not dkimpy's sign(): its RSA is pure
# Python (about 10.7 ms per 33 KB message with a 2048-bit key, measured), which would cap a worker
# near 90 messages a second; this signs the same message in about 1.2 ms (OpenSSL's RSA through
# `cryptography`, 0.26 ms; the rest is canonicalizing the body). dkimpy verifies it in the tests.

_WSP = re.compile(rb"[ \t]+")
_LINE_END = re.compile(rb"\r\n|\r|\n")


def sign(message: bytes) -> bytes:
    """The message with a DKIM-Signature header prepended, when DKIM is configured.

    Line endings come back as CRLF (what SMTP puts on the wire anyway)."""
    private_key = getattr(settings, "DKIM_PRIVATE_KEY", "")
    selector = getattr(settings, "DKIM_SELECTOR", "")
    domain = getattr(settings, "DKIM_DOMAIN", "")
    if not (private_key and selector and domain):
        return message
    key = _load_key(private_key)
    message = _LINE_END.sub(b"\r\n", message)
    head, separator, body = message.partition(b"\r\n\r\n")
    headers = _split_headers(head + b"\r\n")
    body_hash = base64.b64encode(hashlib.sha256(_relaxed_body(body)).digest())

    # The last occurrence of each name is signed (RFC 6376 5.4.2); absent ones are left out.
    remaining = list(headers)
    chosen = []
    for name in SIGNED_HEADERS:
        for index in range(len(remaining) - 1, -1, -1):
            if remaining[index][0].lower() == name.lower():
                chosen.append(remaining.pop(index))
                break
    tags = b"; ".join(
        [
            b"v=1",
            b"a=rsa-sha256",
            b"c=relaxed/relaxed",
            b"d=" + domain.encode(),
            b"s=" + selector.encode(),
            b"t=" + str(int(time.time())).encode(),
            b"h=" + b":".join(name for name, _ in chosen),
            b"bh=" + body_hash,
        ]
    )
    value = b" " + tags.replace(b"; h=", b";\r\n h=").replace(b"; bh=", b";\r\n bh=")
    value += b";\r\n b="
    signed_data = b"".join(_relaxed_header(name, raw) + b"\r\n" for name, raw in chosen)
    signed_data += _relaxed_header(b"DKIM-Signature", value)
    signature = key.sign(signed_data, padding.PKCS1v15(), hashes.SHA256())
    header = b"DKIM-Signature:" + value + base64.b64encode(signature) + b"\r\n"
    return header + head + separator + body


@functools.lru_cache(maxsize=4)
def _load_key(pem: str) -> rsa.RSAPrivateKey:
    if "\\n" in pem and "\n" not in pem.strip():  # a one-line env value with escaped newlines
        pem = pem.replace("\\n", "\n")
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"DKIM_PRIVATE_KEY cannot be read: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("DKIM_PRIVATE_KEY must be an RSA private key in PEM form")
    return key


def _split_headers(head: bytes) -> list[tuple[bytes, bytes]]:
    """(name, raw value with its folding) for each header field, in order."""
    fields: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b"\r\n" + line)
        elif b":" in line:
            name, value = line.split(b":", 1)
            fields.append((name, value))
    return fields


def _relaxed_header(name: bytes, value: bytes) -> bytes:
    value = _WSP.sub(b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name.strip().lower() + b":" + value


def _relaxed_body(body: bytes) -> bytes:
    lines = [_WSP.sub(b" ", line).rstrip(b" ") for line in body.split(b"\r\n")]
    while lines and lines[-1] == b"":
        lines.pop()
    return b"".join(line + b"\r\n" for line in lines)


# SMTP -------------------------------------------------------------------------------------------


class SMTPTransport:
    """One SMTP connection with the MAILERS["default"] options.

    When the server offers PIPELINING (RFC 2920) the envelope (MAIL, RCPT, DATA) goes out in one
    write, and `send(..., then=next_message)` writes the next message's envelope right behind
    this message's final ".": against a fast relay each message then costs one round trip
    instead of four, the difference between a worker waiting on the relay and one that is not.
    An envelope written ahead (its replies not read yet) is "announced"; if anything but that
    message is sent next, the connection is replaced, never ended with an empty message."""

    def __init__(self):
        options = settings.MAILERS["default"].get("OPTIONS", {})
        self.options = options
        self.address = f"{options.get('host', 'localhost')}:{options.get('port', 25)}"
        self.smtp = self._connect()
        self.offers_smtputf8 = self.smtp.has_extn("smtputf8")
        self.announced: Announced | None = None

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = open_smtp(self.options)
            smtp.ehlo_or_helo_if_needed()
        except SMTPConnectionFailed as error:  # says what went wrong, naming the relay
            raise TransportUnavailable(str(error)) from error
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(f"cannot connect to {self.address}: {error}") from error
        return smtp

    @property
    def pipelines(self) -> bool:
        return bool(self.smtp.does_esmtp and self.smtp.has_extn("pipelining"))

    def recipient_address(self, email: str) -> str:
        return wire_address(email, offers_smtputf8=self.offers_smtputf8)

    def send(
        self, envelope_from: str, recipient: str, message: bytes, while_waiting=None, then=None
    ) -> None:
        """Signed here, the only path that needs it: an email provider signs with DKIM itself.

        `recipient` is what recipient_address() returned. `while_waiting` runs once the message
        is on its way, while the server decides on it (the previous message's record is written
        then, so the database's round trip overlaps the relay's). `then`, the next message as
        (envelope_from, recipient, message), has its envelope written behind this one's data."""
        try:
            self._sendmail(envelope_from, recipient, message, while_waiting, then)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = error.recipients.get(recipient, (0, b""))
            raise RecipientRefused.from_reply(code, text) from error
        except smtplib.SMTPDataError as error:
            raise RecipientRefused.from_reply(error.smtp_code, error.smtp_error) from error
        except smtplib.SMTPSenderRefused as error:
            # About our envelope sender, not the reader: never a reason to suppress them.
            refusal = RecipientRefused.from_reply(error.smtp_code, error.smtp_error)
            if refusal.kind == RecipientRefused.BOUNCE:
                refusal.kind = RecipientRefused.ERROR
            raise refusal from error
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(f"{self.address}: {error}") from error

    def _sendmail(self, envelope_from, recipient, message: bytes, while_waiting, then) -> None:
        """smtplib's sendmail() and data() for one recipient, with a moment between sending the
        message and reading the server's verdict. Same replies, same exceptions."""
        smtp = self.smtp
        announced, self.announced = self.announced, None
        if announced is not None and announced.is_for(envelope_from, recipient, message):
            signed = announced.signed
            self._read_envelope_replies(envelope_from, recipient)
        else:
            if announced is not None:
                self._replace_connection()
                smtp = self.smtp
            signed = sign(message)
            options = self._options(recipient, signed)
            if self.pipelines:
                smtp.send(self._envelope_commands(envelope_from, recipient, options))
                self._read_envelope_replies(envelope_from, recipient)
            else:
                self._envelope(envelope_from, recipient, options)
        ahead = None
        if then is not None and self.pipelines:
            # The next message's own problems are its own: unannounced, it meets them when sent.
            with contextlib.suppress(ValueError, smtplib.SMTPException):
                ahead = self._announcement(*then)
        smtp.send(dot_stuffed(signed) + b".\r\n" + (ahead.commands if ahead else b""))
        self.announced = ahead
        if while_waiting is not None:
            while_waiting()
        code, reply = smtp.getreply()
        if code != 250:
            if code == 421 or self.announced is None:  # else the next transaction has begun
                self._end_transaction(code)
            raise smtplib.SMTPDataError(code, reply)

    def _options(self, recipient: str, signed: bytes) -> list[str]:
        options = [] if recipient.isascii() else ["SMTPUTF8"]
        if self.smtp.does_esmtp and self.smtp.has_extn("size"):
            options = [f"size={len(signed)}", *options]
        return options

    def _announcement(self, envelope_from: str, recipient: str, message: bytes) -> "Announced":
        signed = sign(message)
        commands = self._envelope_commands(
            envelope_from, recipient, self._options(recipient, signed)
        )
        return Announced(envelope_from, recipient, message, signed, commands)

    def _envelope_commands(self, envelope_from: str, recipient: str, options) -> bytes:
        """MAIL, RCPT and DATA as one write, encoded as smtplib would."""
        encoding = "ascii"
        if any(option.lower() == "smtputf8" for option in options):
            if not self.smtp.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server")
            encoding = "utf-8"
        option_list = "".join(f" {option}" for option in options)
        return (
            f"MAIL FROM:{smtplib.quoteaddr(envelope_from)}{option_list}\r\n"
            f"RCPT TO:{smtplib.quoteaddr(recipient)}\r\n"
            "DATA\r\n"
        ).encode(encoding)

    def _envelope(self, envelope_from, recipient, options) -> None:
        """MAIL, RCPT and DATA one at a time, each waiting for its reply."""
        smtp = self.smtp
        code, reply = smtp.mail(envelope_from, options if smtp.does_esmtp else [])
        if code != 250:
            self._end_transaction(code)
            raise smtplib.SMTPSenderRefused(code, reply, envelope_from)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            self._end_transaction(code)
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            self._end_transaction(code)
            raise smtplib.SMTPDataError(code, reply)

    def _read_envelope_replies(self, envelope_from, recipient) -> None:
        """The replies to a pipelined MAIL, RCPT and DATA, in order. A refusal raises what
        _envelope raises for it; a 421 ends the connection at once (nothing more is read)."""
        smtp = self.smtp
        refusal = None
        for expected, refused in (
            ((250,), lambda code, reply: smtplib.SMTPSenderRefused(code, reply, envelope_from)),
            ((250, 251), lambda code, reply: smtplib.SMTPRecipientsRefused(
                {recipient: (code, reply)})),
            ((354,), smtplib.SMTPDataError),
        ):  # fmt: skip
            code, reply = smtp.getreply()
            if code == 421:  # the server is closing the connection: nothing more to read
                self._end_transaction(code)
                raise refusal or refused(code, reply)
            if code not in expected and refusal is None:
                refusal = refused(code, reply)
            if code == 354 and refusal is not None:
                # DATA accepted after a refused MAIL or RCPT (RFC 2920 says the server must
                # not): an empty message ends it; without a valid recipient it goes nowhere.
                smtp.send(b".\r\n")
                code, reply = smtp.getreply()
        if refusal is not None:
            self._end_transaction(getattr(refusal, "smtp_code", 0))
            raise refusal

    def _replace_connection(self) -> None:
        """An announced envelope that will not be used: its DATA may have been accepted, and the
        only other way out of that (a lone ".") would deliver an empty message. A new connection
        instead: the server drops a transaction whose data never ended."""
        self.announced = None
        self.smtp.close()
        self.smtp = self._connect()

    def _end_transaction(self, code: int) -> None:
        """After a refusal, as smtplib does: a 421 closes the connection, anything else RSETs."""
        if code == 421:
            self.announced = None
            self.smtp.close()
        else:
            with contextlib.suppress(smtplib.SMTPServerDisconnected):
                self.smtp.rset()

    def reset(self) -> None:
        """After an unexpected error mid-message: end that mail transaction, or give up on the
        connection (TransportUnavailable) when the server no longer answers."""
        try:
            if self.announced is not None:
                self._replace_connection()
            else:
                self.smtp.rset()
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(f"{self.address}: {error}") from error

    def close(self) -> None:
        if self.announced is not None:  # QUIT would be read as message data: just hang up
            self.announced = None
            self.smtp.close()
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()


@dataclass(frozen=True)
class Announced:
    """A message whose envelope is on the wire ahead of it, its replies not read yet."""

    envelope_from: str
    recipient: str
    message: bytes
    signed: bytes
    commands: bytes

    def is_for(self, envelope_from: str, recipient: str, message: bytes) -> bool:
        return (
            self.message is message
            and self.envelope_from == envelope_from
            and self.recipient == recipient
        )


def dot_stuffed(message: bytes) -> bytes:
    """The message as DATA carries it: a line starting with "." gets another (RFC 5321 4.5.2),
    and it ends with a line break. bytes.replace, not a regular expression: most messages have
    no such line and a 20 KB message is scanned in microseconds."""
    if b"\n." in message:
        message = message.replace(b"\n.", b"\n..")
    if message.startswith(b"."):
        message = b"." + message
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message


def wire_address(email: str, *, offers_smtputf8: bool) -> str:
    """The address as it goes on the wire: the domain in its ASCII (IDNA) form; a UTF-8 part
    before the @ only when the server offers SMTPUTF8. Raises RecipientRefused (an error of this
    recipient alone) for an address that cannot be sent to."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        raise RecipientRefused(f"not an email address: {email!r}")
    try:
        domain = to_ascii_domain(domain)
    except InvalidAddress as error:
        raise RecipientRefused(f"invalid address: {error}") from error
    if not local.isascii() and not offers_smtputf8:
        raise RecipientRefused(
            "the part before the @ is not ASCII and the mail server does not offer SMTPUTF8"
        )
    return f"{local}@{domain}"


def _text(message) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


# An ESP's HTTP API, through django-anymail -----------------------------------------------------

# Anymail's name for the credential each backend takes as a keyword argument.
CREDENTIAL_ARGUMENT = {"postmark": "server_token", "amazon_ses": None}
# Headers the ESP builds itself from the EmailMessage, or that would be wrong once it rebuilds it.
REBUILT_HEADERS = {
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "dkim-signature",
}


class AnymailTransport:
    """Sends through the ESP's API (settings.EMAIL_PROVIDER, e.g. "postmark").

    The ESP wants fields, not bytes, so each message is parsed back into an EmailMessage: about
    1 ms of CPU per message on top of rendering, which caps one worker near the API's own rate
    limits anyway. The ESP signs with DKIM itself, so `sign()` is not needed on this path.
    """

    def __init__(self, provider: str):
        options = {}
        argument = CREDENTIAL_ARGUMENT.get(provider, "api_key")
        api_key = getattr(settings, "EMAIL_PROVIDER_API_KEY", "")
        if argument and api_key:
            options[argument] = api_key
        backend_class = import_string(f"anymail.backends.{provider}.EmailBackend")
        self.backend = backend_class(fail_silently=False, **options)

    def send(
        self, envelope_from: str, recipient: str, message: bytes, while_waiting=None, then=None
    ) -> None:
        """One API call per message; `while_waiting` runs before it (nothing to overlap) and
        `then` (the next message) is not needed: there is no envelope to write ahead."""
        if while_waiting is not None:
            while_waiting()
        from anymail.exceptions import (
            AnymailAPIError,
            AnymailError,
            AnymailInvalidAddress,
            AnymailRecipientsRefused,
        )

        email_message = _email_message_from_bytes(message, recipient)
        try:
            self.backend.send_messages([email_message])
        except AnymailRecipientsRefused as error:
            statuses = email_message.anymail_status.recipients
            status = statuses.get(recipient)
            reason = status.status if status else "refused"
            kind = RecipientRefused.BOUNCE if reason == "rejected" else RecipientRefused.ERROR
            raise RecipientRefused(f"{reason}: {error}", kind) from error
        except AnymailAPIError as error:
            status_code = error.status_code or getattr(error.response, "status_code", None)
            if status_code is None or status_code >= 500 or status_code in {401, 403, 429}:
                raise TransportUnavailable(str(error)) from error
            raise RecipientRefused(f"{status_code} {error}", RecipientRefused.ERROR) from error
        except AnymailInvalidAddress as error:
            raise RecipientRefused(f"invalid address: {error}") from error
        except AnymailError as error:  # anything else keeps the batch queued, for a retry
            raise TransportUnavailable(str(error)) from error

    def recipient_address(self, email: str) -> str:
        return wire_address(email, offers_smtputf8=False)

    def reset(self) -> None:
        """Each message is its own API call: nothing to reset."""

    def close(self) -> None:
        self.backend.close()


def _email_message_from_bytes(message: bytes, recipient: str) -> EmailMultiAlternatives:
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    headers = {
        name: str(value) for name, value in parsed.items() if name.lower() not in REBUILT_HEADERS
    }
    email_message = EmailMultiAlternatives(
        subject=str(parsed.get("Subject", "")),
        body=_lines(text_part.get_content()) if text_part else "",
        from_email=str(parsed.get("From", settings.DEFAULT_FROM_EMAIL)),
        to=[recipient],
        headers=headers,
    )
    if html_part is not None:
        email_message.attach_alternative(_lines(html_part.get_content()), "text/html")
    return email_message


def _lines(content: str) -> str:
    """Bodies as the ESP expects them: plain newlines, not the wire format's CRLF."""
    return content.replace("\r\n", "\n")


# Choosing -----------------------------------------------------------------------------------------


def open_transport() -> SMTPTransport | AnymailTransport:
    """The configured transport, connected; raises TransportUnavailable."""
    provider = getattr(settings, "EMAIL_PROVIDER", "")
    if provider:
        return AnymailTransport(provider)
    return SMTPTransport()
