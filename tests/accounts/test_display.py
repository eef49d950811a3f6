"""Addresses on the pages links open: recognisable by their owner, not readable by anyone else."""

import pytest

from masthead.accounts.display import masked_address


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("rita@example.com", "r…\u2060@example.com"),
        ("r@example.com", "r…\u2060@example.com"),
        ("reader@xn--bcher-kva.example", "r…\u2060@bücher.example"),
        ("josé@example.com", "j…\u2060@example.com"),
        ("not-an-address", "…"),
        ("", "…"),
    ],
)
def test_an_address_is_shown_by_its_first_letter_and_domain(email, shown):
    assert masked_address(email) == shown
