"""People: one account per email address, shared by every publication on the install."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from masthead.core.addresses import InvalidAddress, normalize_address


class PersonManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """Lowercased with an ASCII domain, as the forms store it; anything else just lowercased.

        Not a door: forms and imports refuse bad addresses before they get here, and a model
        asks no mail server, so a UTF-8 local part that reached this far is kept.
        """
        email = (email or "").strip().lower()
        try:
            return normalize_address(email, allow_utf8_local_part=True)
        except InvalidAddress:
            return email  # e.g. admin@localhost from createsuperuser, as before

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("A person needs an email address.")
        person = self.model(email=self.normalize_email(email), **fields)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save(using=self._db)
        return person

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=self.normalize_email(email))


class Person(AbstractBaseUser, PermissionsMixin):
    """A reader, a writer or both; signs in by magic link, so a password is optional."""

    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    # Shown beside bylines, on the About page and on notes.
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    bio = models.CharField(max_length=300, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_email_ci_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]


class SignInLink(models.Model):
    """One emailed sign-in link: single use, short-lived, bound to the address it was sent to.

    The link carries a signature of this row's id and email; the row records whether it was used.
    """

    email = models.EmailField(max_length=254)
    next_url = models.CharField(max_length=500, blank=True)
    # The publication the sign-in was asked on: the link goes to its configured address (never
    # to whatever Host the request named), so the session lands where the reader was. None: the
    # install's own address (settings.BASE_URL).
    publication = models.ForeignKey(
        "publications.Publication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="signinlink_created_idx")]

    def __str__(self):
        return f"Sign-in link for {self.email}"
