"""A form field for an email address: normalised with masthead.core.addresses, or a clear error.

Django's EmailField judges IDN domains and UTF-8 local parts its own way and keeps the address
as typed; this field's cleaned value is the address as we store and send it.
"""

from django import forms

from masthead.core.addresses import MAX_ADDRESS_OCTETS, InvalidAddress, normalize_address


class AddressField(forms.CharField):
    widget = forms.EmailInput
    default_error_messages = {"required": "Enter your email address."}

    def __init__(self, **kwargs):
        # The browser's limit; normalize_address counts the octets of the stored form itself.
        kwargs.setdefault("max_length", MAX_ADDRESS_OCTETS)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            # A UTF-8 local part only when our SMTP server advertises SMTPUTF8.
            return normalize_address(value)
        except InvalidAddress as error:
            raise forms.ValidationError(str(error), code="invalid") from None
