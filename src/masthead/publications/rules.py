"""Who holds power on the install: its administrators, the publications' teams, who may start one."""

from django.conf import settings

from masthead.publications.models import Membership


def is_install_staff(person) -> bool:
    """An administrator of the install (made with `masthead createadmin`, or marked staff)."""
    return bool(person.is_authenticated and (person.is_staff or person.is_superuser))


def is_on_a_team(person) -> bool:
    """Owner, admin or author of at least one publication."""
    return bool(person.is_authenticated and Membership.objects.filter(person=person).exists())


def is_staff_anywhere(person) -> bool:
    """A person whose session is worth more than a reader's: no long-lived link may open one."""
    return is_install_staff(person) or is_on_a_team(person)


def can_create_publication(person) -> bool:
    """The install's rule, settings.PUBLICATION_CREATORS: staff, invited (staff and team
    members) or anyone signed in. The command line runs as the operator and is not asked."""
    if not person.is_authenticated or not person.is_active:
        return False
    if settings.PUBLICATION_CREATORS == "anyone":
        return True
    if settings.PUBLICATION_CREATORS == "invited":
        return is_staff_anywhere(person)
    return is_install_staff(person)
