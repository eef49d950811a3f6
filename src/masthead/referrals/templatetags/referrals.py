"""Template tags for pages whose views belong to other apps (account, subscription confirmed)."""

from django import template

from masthead.referrals import queries, services
from masthead.referrals.models import ReferralCode

register = template.Library()


@register.simple_tag
def referral_link(subscription) -> str:
    return services.referral_link(subscription)


@register.simple_tag
def referral_code(subscription) -> ReferralCode:
    return services.referral_code_for(subscription.publication, subscription.person)


@register.simple_tag
def recommendations_for(publication) -> list:
    return queries.recommendations_for(publication)
