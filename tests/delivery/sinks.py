"""SMTP servers that misbehave on purpose, for delivery tests."""

from tests.mail import SMTPSink


class RefusingSink(SMTPSink):
    """Accepts mail like SMTPSink, but refuses RCPT TO for the given addresses (550 unless
    another reply is given)."""

    def __init__(self, refused: set[str], reply: str = "550 5.1.1 No such user here"):
        super().__init__()
        self.refused = {address.lower() for address in refused}
        self.reply = reply
        self.refusal_count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refused:
            self.refusal_count += 1
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"
