"""Build and send the install's own email (sign-in links, confirmations, invitations).

Every message has three templates under templates/email/<name>/: subject.txt, body.txt and
body.html. Callers send from tasks, never from a request, through
masthead.core.system_mail.send_system_mail, which retries the task while the mail server is down.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from masthead.core.time_zones import in_time_zone_of


def build_email(
    name: str, to: str, context: dict, *, from_email: str = "", headers: dict | None = None
) -> EmailMultiAlternatives:
    """The message, its dates and times in the time zone of the context's publication."""
    with in_time_zone_of(context.get("publication")):
        return _build_email(name, to, context, from_email=from_email, headers=headers)


def _build_email(name, to, context, *, from_email, headers) -> EmailMultiAlternatives:
    subject = render_to_string(f"email/{name}/subject.txt", context).strip()
    subject = " ".join(subject.split())  # never a newline in a header
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"email/{name}/body.txt", context),
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"email/{name}/body.html", context), "text/html")
    return message


def publication_sender(publication, name: str = "") -> str:
    """ "Publication Name <address>" (or another `name`, a section's), with the name stripped of
    anything a header cannot hold."""
    from email.utils import formataddr, parseaddr

    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = " ".join((name or publication.name).replace("\r", " ").replace("\n", " ").split())
    return formataddr((name, address or "masthead@localhost"))
