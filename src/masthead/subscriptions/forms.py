from masthead.accounts.forms import EmailForm


class SubscribeForm(EmailForm):
    pass
