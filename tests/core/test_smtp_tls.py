"""TLS to the relay is verified: real aiosmtpd servers with STARTTLS and implicit TLS, a throwaway CA."""

import datetime
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.mail import EmailMessage

from masthead.core.env import parse_smtp_url
from masthead.core.smtp_connection import SMTPConnectionFailed, open_smtp
from tests.mail import SMTPSink

MESSAGE = b"From: desk@example.com\r\nTo: reader@example.com\r\nSubject: Issue 10\r\n\r\nHello\r\n"


# A throwaway CA and server certificates -----------------------------------------------------------


@dataclass
class ServerCertificate:
    certfile: Path
    keyfile: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certfile, self.keyfile)
        return context


@dataclass
class Authority:
    cafile: Path
    localhost: ServerCertificate  # for localhost and 127.0.0.1
    elsewhere: ServerCertificate  # for mail.example.com only


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Masthead test CA"))
        .issuer_name(_name("Masthead test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def write_ca_bundle(directory: Path) -> Path:
    """A fresh CA's certificate as a PEM file: a cafile= that loads."""
    _, certificate = issue_ca()
    cafile = directory / "ca.pem"
    cafile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cafile


def _issue_server(
    directory: Path,
    stem: str,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_certificate: x509.Certificate,
    names: list[x509.GeneralName],
) -> ServerCertificate:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(stem))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    certfile = directory / f"{stem}.pem"
    keyfile = directory / f"{stem}.key"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ServerCertificate(certfile, keyfile)


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> Authority:
    directory = tmp_path_factory.mktemp("pki")
    ca_key, ca_certificate = issue_ca()
    cafile = directory / "ca.pem"
    cafile.write_bytes(ca_certificate.public_bytes(serialization.Encoding.PEM))
    localhost = _issue_server(
        directory, "localhost", ca_key, ca_certificate,
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )  # fmt: skip
    elsewhere = _issue_server(
        directory, "elsewhere", ca_key, ca_certificate, [x509.DNSName("mail.example.com")]
    )
    return Authority(cafile, localhost, elsewhere)


# Relays: STARTTLS on a submission-style port, or implicit TLS (SMTPS) --------------------------


def start_relay(mode: str, certificate: ServerCertificate, **server_options) -> SMTPSink:
    sink = SMTPSink()
    context = certificate.server_context()
    if mode == "starttls":
        server_options.update(tls_context=context, require_starttls=True)
    else:
        server_options.update(ssl_context=context)
    sink.controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **server_options)
    sink.controller.start()
    return sink


@pytest.fixture(params=["starttls", "ssl"])
def mode(request) -> str:
    return request.param


@pytest.fixture
def relay(mode, authority):
    """A relay whose certificate, for localhost and 127.0.0.1, the system does not trust."""
    sink = start_relay(mode, authority.localhost)
    yield sink
    sink.controller.stop()


@pytest.fixture
def misnamed_relay(mode, authority):
    """A relay on localhost presenting a certificate for mail.example.com."""
    sink = start_relay(mode, authority.elsewhere)
    yield sink
    sink.controller.stop()


def relay_options(relay: SMTPSink, mode: str, query: str = "", host: str = "localhost") -> dict:
    """The MAILERS OPTIONS an operator gets from MASTHEAD_SMTP_URL."""
    return parse_smtp_url(f"smtp://{host}:{relay.port}?tls={mode}{query}")


def send_through_open_smtp(options: dict) -> None:
    smtp = open_smtp(options)
    try:
        smtp.sendmail("desk@example.com", ["reader@example.com"], MESSAGE)
    finally:
        smtp.quit()


def send_system_mail(settings, options: dict) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": "masthead.core.smtp_backend.EmailBackend", "OPTIONS": options}
    }
    EmailMessage(
        "Confirm your subscription", "Click the link", "desk@example.com", ["reader@example.com"]
    ).send()


# Newsletters: open_smtp ----------------------------------------------------------------------------


def test_an_untrusted_relay_is_refused_with_a_message_naming_host_and_port(relay, mode):
    with pytest.raises(SMTPConnectionFailed) as caught:
        send_through_open_smtp(relay_options(relay, mode))

    message = str(caught.value)
    assert f"TLS certificate of localhost:{relay.port} could not be verified" in message
    assert "system's trust store" in message
    assert "cafile=" in message and "verify=no" in message and "MASTHEAD_SMTP_URL" in message
    assert isinstance(caught.value, OSError)  # callers treat it as the server being unavailable
    assert relay.messages == []


def test_a_relay_signed_by_the_configured_cafile_gets_the_message(relay, mode, authority):
    send_through_open_smtp(relay_options(relay, mode, f"&cafile={authority.cafile}"))

    assert relay.last_to("reader@example.com").subject == "Issue 10"


def test_the_cafile_also_verifies_a_relay_reached_by_its_ip_address(relay, mode, authority):
    send_through_open_smtp(relay_options(relay, mode, f"&cafile={authority.cafile}", "127.0.0.1"))

    assert relay.last_to("reader@example.com").subject == "Issue 10"


def test_verify_no_accepts_an_untrusted_certificate(relay, mode):
    send_through_open_smtp(relay_options(relay, mode, "&verify=no"))

    assert relay.last_to("reader@example.com").subject == "Issue 10"


def test_a_certificate_for_another_host_name_is_refused(misnamed_relay, mode, authority):
    options = relay_options(misnamed_relay, mode, f"&cafile={authority.cafile}")

    with pytest.raises(SMTPConnectionFailed) as caught:
        send_through_open_smtp(options)

    message = str(caught.value)
    assert f"TLS certificate of localhost:{misnamed_relay.port} could not be verified" in message
    assert f"against cafile {authority.cafile}" in message
    assert "Hostname mismatch" in message
    assert misnamed_relay.messages == []


def test_verify_no_accepts_a_certificate_for_another_host_name(misnamed_relay, mode):
    send_through_open_smtp(relay_options(misnamed_relay, mode, "&verify=no"))

    assert misnamed_relay.last_to("reader@example.com").subject == "Issue 10"


def test_a_relay_that_is_not_listening_gives_a_plain_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the connection attempt

    with pytest.raises(SMTPConnectionFailed, match=rf"^cannot connect to 127\.0\.0\.1:{port}: "):
        open_smtp(parse_smtp_url(f"smtp://127.0.0.1:{port}?tls=starttls&timeout=5"))


def refuse_every_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    return AuthResult(success=False, handled=False)  # handled=False: aiosmtpd replies 535


def test_a_refused_login_says_to_check_the_user_and_password(mode, authority):
    # aiosmtpd counts only STARTTLS as TLS for AUTH; implicit TLS is TLS all the same.
    relay = start_relay(
        mode, authority.localhost, authenticator=refuse_every_login, auth_require_tls=False
    )
    try:
        url = f"smtp://editor:wrong@localhost:{relay.port}?tls={mode}&cafile={authority.cafile}"
        with pytest.raises(SMTPConnectionFailed) as caught:
            open_smtp(parse_smtp_url(url))
    finally:
        relay.controller.stop()

    assert f"localhost:{relay.port} refused the login of 'editor': 535" in str(caught.value)
    assert "Check the user and password in MASTHEAD_SMTP_URL" in str(caught.value)


def test_implicit_tls_against_a_plain_server_says_to_check_tls(authority):
    sink = SMTPSink()
    sink.controller.start()
    try:
        options = parse_smtp_url(f"smtp://127.0.0.1:{sink.port}?tls=ssl&timeout=5")
        with pytest.raises(SMTPConnectionFailed, match=r"Check tls= in MASTHEAD_SMTP_URL"):
            open_smtp(options)
    finally:
        sink.controller.stop()


# System mail: masthead.core.smtp_backend.EmailBackend through MAILERS ---------------------------


def test_system_mail_to_an_untrusted_relay_fails_with_the_same_message(settings, relay, mode):
    with pytest.raises(SMTPConnectionFailed) as caught:
        send_system_mail(settings, relay_options(relay, mode))

    assert f"TLS certificate of localhost:{relay.port} could not be verified" in str(caught.value)
    assert "verify=no" in str(caught.value)
    assert relay.messages == []


def test_system_mail_reaches_a_relay_signed_by_the_cafile(settings, relay, mode, authority):
    send_system_mail(settings, relay_options(relay, mode, f"&cafile={authority.cafile}"))

    assert relay.last_to("reader@example.com").subject == "Confirm your subscription"


def test_system_mail_with_verify_no_reaches_an_untrusted_relay(settings, relay, mode):
    send_system_mail(settings, relay_options(relay, mode, "&verify=no"))

    assert relay.last_to("reader@example.com").subject == "Confirm your subscription"


def test_system_mail_refuses_a_certificate_for_another_host_name(
    settings, misnamed_relay, mode, authority
):
    with pytest.raises(SMTPConnectionFailed, match="Hostname mismatch"):
        send_system_mail(
            settings, relay_options(misnamed_relay, mode, f"&cafile={authority.cafile}")
        )

    assert misnamed_relay.messages == []


def test_system_mail_failing_silently_sends_nothing_and_raises_nothing(settings, relay, mode):
    settings.MAILERS = {
        "default": {
            "BACKEND": "masthead.core.smtp_backend.EmailBackend",
            "OPTIONS": relay_options(relay, mode),
        }
    }
    from django.core.mail import mailers

    connection = mailers.default
    connection.fail_silently = True

    sent_count = connection.send_messages(
        [EmailMessage("Hello", "Body", "desk@example.com", ["reader@example.com"])]
    )

    assert sent_count == 0
    assert relay.messages == []
