"""The mail relay going down and coming back, for tests of what outlives an outage."""

import contextlib

from aiosmtpd.controller import Controller

from tests.mail import SMTPSink


@contextlib.contextmanager
def relay_down(sink: SMTPSink):
    """The relay's port is closed (connections refused) inside the block, open again after."""
    # A stopped controller cannot start again (its event loop is closed): a new one, same port,
    # offering SMTPUTF8 or not as the sink did.
    offers_smtputf8 = sink.controller.SMTP_kwargs.get("enable_SMTPUTF8", True)
    sink.controller.stop()
    try:
        yield
    finally:
        sink.controller = Controller(
            sink, hostname="127.0.0.1", port=sink.port, enable_SMTPUTF8=offers_smtputf8
        )
        sink.controller.start()
