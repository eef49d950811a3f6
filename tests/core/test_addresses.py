"""Addresses normalised and validated once, at the door: masthead.core.addresses."""

import datetime as dt
import random

import pytest
import time_machine

from masthead.core.addresses import (
    InvalidAddress,
    has_utf8_local_part,
    normalize_address,
    readable_address,
    to_ascii_domain,
    transport_offers_smtputf8,
)
from tests.mail import SMTPSink, use_sink


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("reader@example.com", "reader@example.com"),
        ("  Ada.Lovelace+News@Example.COM \n", "ada.lovelace+news@example.com"),
        ("reader@bücher.example", "reader@xn--bcher-kva.example"),
        ("Reader@BÜCHER.Example", "reader@xn--bcher-kva.example"),
        ("reader@xn--bcher-kva.example", "reader@xn--bcher-kva.example"),
        ("reader@例え.テスト", "reader@xn--r8jz45g.xn--zckzah"),
        ("reader@example\uff0ecom", "reader@example.com"),  # a full-width dot, as phones type it
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("a!#$%&*+/=?^_`{|}~-z@example.com", "a!#$%&*+/=?^_`{|}~-z@example.com"),
        ("x" * 64 + "@example.com", "x" * 64 + "@example.com"),
    ],
)
def test_good_addresses_are_lowercased_with_an_ascii_domain(raw, expected):
    assert normalize_address(raw, allow_utf8_local_part=False) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter your email address"),
        ("   ", "Enter your email address"),
        ("nope", "is not a valid email address"),
        ("two@@example.com", "is not a valid email address"),
        ("a@b@example.com", "is not a valid email address"),
        ("@example.com", "The part before the @ is missing"),
        ("reader@", "The part after the @ is missing"),
        (".reader@example.com", "a dot cannot start or end"),
        ("reader.@example.com", "a dot cannot start or end"),
        ("rea..der@example.com", "a dot cannot start or end"),
        ('"reader"@example.com', "quotation marks"),
        ('"rea der"@example.com', "spaces or invisible characters"),
        ("rea der@example.com", "spaces or invisible characters"),
        ("reader@example.com\nBcc: b@example.com", "spaces or invisible characters"),
        ("rea\x00der@example.com", "spaces or invisible characters"),
        ("rea(der)@example.com", "is not a valid email address"),
        ("rea,der@example.com", "is not a valid email address"),
        ("rea\u200bder@example.com", "is not a valid email address"),  # zero-width space
        ("x" * 65 + "@example.com", "too long (64 characters at most)"),
        ("x@" + ("d" * 60 + ".") * 5 + "example", "The part after the @ is too long"),
        ("x" * 64 + "@" + ("d" * 60 + ".") * 3 + "d" * 10 + ".example", "254 characters"),
        ("reader@localhost", "the domain needs a dot"),
        ("reader@example.com.", "cannot end with a dot"),
        ("reader@[127.0.0.1]", "IP address"),
        ("reader@[IPv6:::1]", "IP address"),
        ("reader@127.0.0.1", "IP address"),
        ("reader@-example.com", "not a domain we can send to"),
        ("reader@example-.com", "not a domain we can send to"),
        ("reader@exa_mple.com", "not a domain we can send to"),
        ("reader@example..com", "not a domain we can send to"),
        ("reader@xn--zz.example", "not a domain we can send to"),
        ("reader@" + "d" * 64 + ".example", "not a domain we can send to"),
        ("reader@bü cher.example", "spaces or invisible characters"),
        ("reader@☃\u0301.example", "not a domain we can send to"),
    ],
)
def test_bad_addresses_are_refused_with_a_message_for_the_reader(raw, message):
    with pytest.raises(InvalidAddress) as refused:
        normalize_address(raw, allow_utf8_local_part=True)

    assert message in str(refused.value)


def test_a_utf8_local_part_is_refused_unless_allowed():
    with pytest.raises(InvalidAddress) as refused:
        normalize_address("José@example.com", allow_utf8_local_part=False)

    assert str(refused.value) == (
        "The part before the @ has characters our mail server cannot deliver to; "
        "please use another address."
    )
    assert normalize_address("José@Bücher.example", allow_utf8_local_part=True) == (
        "josé@xn--bcher-kva.example"
    )


def test_composed_and_decomposed_accents_give_the_same_address():
    composed = normalize_address("jos\u00e9@example.com", allow_utf8_local_part=True)
    decomposed = normalize_address("jose\u0301@example.com", allow_utf8_local_part=True)

    assert composed == decomposed == "jos\u00e9@example.com"


def test_has_utf8_local_part_looks_only_before_the_at():
    assert has_utf8_local_part("josé@example.com")
    assert not has_utf8_local_part("reader@bücher.example")
    assert not has_utf8_local_part("reader@xn--bcher-kva.example")


def test_to_ascii_domain_converts_and_lowercases():
    assert to_ascii_domain("Bücher.Example") == "xn--bcher-kva.example"
    assert to_ascii_domain("EXAMPLE.com") == "example.com"
    with pytest.raises(InvalidAddress):
        to_ascii_domain("exa mple.com")
    with pytest.raises(InvalidAddress):
        to_ascii_domain("")


def test_readable_address_decodes_the_domain_as_it_was_encoded():
    assert readable_address("reader@xn--bcher-kva.example") == "reader@bücher.example"
    # IDNA 2008 keeps ß, which Python's own (IDNA 2003) codec cannot decode back.
    assert readable_address("known@xn--strae-oqa.de") == "known@straße.de"
    assert readable_address("reader@example.com") == "reader@example.com"
    assert readable_address("reader@xn--zz.example") == "reader@xn--zz.example"


ODD_PIECES = [
    "a", "Z", "0", ".", "..", "@", "@@", " ", "\t", "\n", "\x00", "\x7f", '"', "\\", "(", ")",
    "[", "]", ",", ";", ":", "<", ">", "-", "_", "+", "=", "é", "e\u0301", "ß", "İ", "Σ", "ς",
    "ü", "xn--", "xn--zz", "例", "☃", "\u200b", "\u200d", "\ufeff", "\u3002", "\uff0e", "\ud800",
    "\U0001f600", "ﬁ", "Å", "K", "com", "example", "1", "255", "[1.2.3.4]", "x" * 70,
]  # fmt: skip


def odd_texts(count: int, seed: int = 10):
    """Deterministic odd strings around an @: the cases a property test would try."""
    generator = random.Random(seed)
    for _ in range(count):
        local = "".join(generator.choices(ODD_PIECES, k=generator.randint(0, 4)))
        domain = "".join(generator.choices(ODD_PIECES, k=generator.randint(0, 5)))
        yield generator.choice(["", " ", "\n"]) + local + generator.choice(["@", "", "@@"]) + domain


def test_odd_text_only_ever_raises_invalid_address_and_normalising_is_idempotent():
    accepted = 0
    for raw in [*odd_texts(4000), "reader@bücher.example", "JOSÉ@Straße.de"]:
        try:
            address = normalize_address(raw, allow_utf8_local_part=True)
        except InvalidAddress as error:
            assert str(error)
            continue
        accepted += 1
        assert address.count("@") == 1
        assert address.rpartition("@")[2].isascii()
        assert len(address.encode()) <= 254
        assert normalize_address(address, allow_utf8_local_part=True) == address
    assert accepted >= 2  # the loop exercised the accepting path, not only refusals


# Does our SMTP server take UTF-8 local parts? ---------------------------------------------


def test_a_server_without_smtputf8_is_reported_as_such(plain_sink):
    assert transport_offers_smtputf8() is False


def test_a_server_advertising_smtputf8_is_reported_as_such(smtputf8_sink):
    assert transport_offers_smtputf8() is True


def test_utf8_local_parts_follow_what_the_server_offers(settings, plain_sink):
    with pytest.raises(InvalidAddress):
        normalize_address("josé@example.com")

    sink = use_sink(settings, SMTPSink(smtputf8=True))
    sink.controller.start()
    try:
        assert normalize_address("josé@example.com") == "josé@example.com"
    finally:
        sink.controller.stop()


def test_ascii_addresses_never_ask_the_server(monkeypatch):
    def open_smtp(options):
        raise AssertionError("the SMTPUTF8 probe ran for an ASCII local part")

    monkeypatch.setattr("masthead.core.addresses.open_smtp", open_smtp)

    assert normalize_address("Reader@Bücher.example") == "reader@xn--bcher-kva.example"


def test_the_answer_is_cached_for_an_hour(settings):
    sink = use_sink(settings, SMTPSink(smtputf8=True))
    sink.controller.start()
    assert transport_offers_smtputf8() is True
    sink.controller.stop()

    assert transport_offers_smtputf8() is True  # no new probe: the server is gone
    with time_machine.travel(dt.timedelta(minutes=61), tick=False):
        assert transport_offers_smtputf8() is False


def test_a_failed_probe_is_retried_after_a_minute(settings):
    sink = use_sink(settings, SMTPSink(smtputf8=True))

    assert transport_offers_smtputf8() is False  # nothing listens yet
    sink.controller.start()
    try:
        assert transport_offers_smtputf8() is False  # still the cached failure
        with time_machine.travel(dt.timedelta(minutes=2), tick=False):
            assert transport_offers_smtputf8() is True
    finally:
        sink.controller.stop()


def test_an_email_provider_api_never_takes_utf8_local_parts(settings, smtputf8_sink):
    settings.EMAIL_PROVIDER = "postmark"

    assert transport_offers_smtputf8() is False
    with pytest.raises(InvalidAddress):
        normalize_address("josé@example.com")
    assert smtputf8_sink.connections == set()
