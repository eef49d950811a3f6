"""Django's SMTP EmailBackend for system mail, connecting through masthead.core.smtp_connection.

MAILERS["default"]["OPTIONS"] come from MASTHEAD_SMTP_URL (masthead.core.env.parse_smtp_url);
on top of Django's own options this accepts ssl_cafile and ssl_verify. The connection is opened
by open_smtp, so sign-in links and confirmations verify the relay exactly as newsletters do and
fail with the same message (SMTPConnectionFailed, an OSError as Django's backend expects).
"""

from django.core.mail.backends import smtp

from masthead.core.smtp_connection import open_smtp


class EmailBackend(smtp.EmailBackend):
    def __init__(self, *args, ssl_cafile: str | None = None, ssl_verify: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.ssl_cafile = ssl_cafile
        self.ssl_verify = ssl_verify

    @property
    def options(self) -> dict:
        """This backend's settings in the form open_smtp takes."""
        return {
            "host": self.host,
            "port": self.port,
            "timeout": self.timeout,
            "use_tls": self.use_tls,
            "use_ssl": self.use_ssl,
            "username": self.username,
            "password": self.password,
            "ssl_cafile": self.ssl_cafile,
            "ssl_verify": self.ssl_verify,
            "ssl_certfile": self.ssl_certfile,
            "ssl_keyfile": self.ssl_keyfile,
        }

    def open(self):
        """As Django's: True when a connection was opened, False when one was open already,
        None when opening failed and fail_silently is set."""
        if self.connection:
            return False
        try:
            self.connection = open_smtp(self.options)
        except OSError:
            if not self.fail_silently:
                raise
            return None
        return True
