"""How an address is shown on the pages an emailed link opens: enough to recognise, not to learn."""

from masthead.core.addresses import readable_address

# U+2060 WORD JOINER: a line may break after "…" otherwise, leaving "r…" and "@example.com"
# on two lines of a phone's screen.
NO_BREAK = "\u2060"


def masked_address(email: str) -> str:
    """r…@example.com: the owner recognises their address; someone handed a link (a forwarded
    email, a scanner, a forged link) learns only its domain."""
    local_part, _, domain = readable_address(email).rpartition("@")
    if not local_part:
        return "…"
    return f"{local_part[0]}…{NO_BREAK}@{domain}"
