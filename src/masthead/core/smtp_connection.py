"""One way to open an SMTP connection to the relay, with its TLS certificate verified.

Newsletters (masthead.delivery.transport) and system mail (masthead.core.smtp_backend) both
connect here, so both verify the relay the same way and fail with the same message. The options
are the MAILERS OPTIONS that masthead.core.env.parse_smtp_url builds from MASTHEAD_SMTP_URL:
host, port, timeout, use_tls (STARTTLS), use_ssl (implicit TLS), username, password, and
ssl_cafile (trust this CA bundle instead of the system's) and ssl_verify (False: accept any
certificate). Django's ssl_certfile and ssl_keyfile (a client certificate) are honoured too.
"""

import functools
import smtplib
import ssl

from django.core.mail.utils import DNS_NAME

DEFAULT_TIMEOUT = 30


class SMTPConnectionFailed(OSError):
    """The relay cannot be reached, refused TLS or the login; nothing can be sent right now.

    An OSError, like smtplib's own errors, so handlers that treat OSError as "the server is
    unavailable" keep doing so."""


def tls_context(options: dict) -> ssl.SSLContext:
    """The client context for STARTTLS or implicit TLS to the relay."""
    return _tls_context(
        options.get("ssl_cafile") or None,
        options.get("ssl_verify", True) is not False,
        options.get("ssl_certfile") or None,
        options.get("ssl_keyfile") or None,
    )


# Building a context loads the system's trust store: about 27 ms (measured), a cost per batch
# that one shared context avoids; SSLContext is safe to share between threads. A cafile replaced
# on disk is read again after a restart.
@functools.lru_cache(maxsize=8)
def _tls_context(
    cafile: str | None, verify: bool, certfile: str | None, keyfile: str | None
) -> ssl.SSLContext:
    # cafile replaces the system's store rather than adding to it (create_default_context loads
    # the defaults only when no cafile is given): the relay must chain to that bundle.
    context = ssl.create_default_context(cafile=cafile if verify else None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if certfile or keyfile:
        context.load_cert_chain(certfile, keyfile)
    return context


def open_smtp(options: dict) -> smtplib.SMTP:
    """A connected, TLS-wrapped (as configured) and logged-in SMTP connection.

    Raises SMTPConnectionFailed; when the relay's certificate fails verification its message
    names the host and port and says what to set in MASTHEAD_SMTP_URL."""
    host = options.get("host") or "localhost"
    port = options.get("port") or 25
    timeout = options.get("timeout")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    # socket.getfqdn() for EHLO can mean a DNS lookup per connection; Django caches it once.
    local_hostname = DNS_NAME.get_fqdn()
    smtp = None
    try:
        if options.get("use_ssl"):
            smtp = smtplib.SMTP_SSL(
                host,
                port,
                local_hostname=local_hostname,
                timeout=timeout,
                context=tls_context(options),
            )
        else:
            smtp = smtplib.SMTP(host, port, local_hostname=local_hostname, timeout=timeout)
            if options.get("use_tls"):
                smtp.starttls(context=tls_context(options))
        if options.get("username"):
            smtp.login(options["username"], options.get("password") or "")
    except ssl.SSLCertVerificationError as error:
        _close(smtp)
        raise SMTPConnectionFailed(_verification_message(host, port, options, error)) from error
    except ssl.SSLError as error:
        _close(smtp)
        raise SMTPConnectionFailed(
            f"TLS with {host}:{port} failed: {error}. Check tls= in MASTHEAD_SMTP_URL "
            "(ssl for implicit TLS, usually port 465; starttls, usually port 587)"
        ) from error
    except smtplib.SMTPAuthenticationError as error:
        _close(smtp)
        raise SMTPConnectionFailed(
            f"{host}:{port} refused the login of {options['username']!r}: {error.smtp_code} "
            f"{_text(error.smtp_error)}. Check the user and password in MASTHEAD_SMTP_URL"
        ) from error
    except OSError as error:  # smtplib.SMTPException is an OSError too
        _close(smtp)
        raise SMTPConnectionFailed(f"cannot connect to {host}:{port}: {error}") from error
    return smtp


def _verification_message(
    host: str, port: int, options: dict, error: ssl.SSLCertVerificationError
) -> str:
    cafile = options.get("ssl_cafile")
    against = f"against cafile {cafile}" if cafile else "against the system's trust store"
    reason = (error.verify_message or str(error)).rstrip(".")
    return (
        f"TLS certificate of {host}:{port} could not be verified {against}: {reason}. "
        "Set cafile=/path/to/ca.pem (the CA that signed the relay's certificate) or verify=no "
        "(accept any certificate) in MASTHEAD_SMTP_URL"
    )


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
