from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "masthead.referrals"
    label = "referrals"
