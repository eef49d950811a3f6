"""Template tags for pages whose views belong to other apps (account, subscription confirmed)."""

from django import template

from masthead.referrals import queries, services
from masthead.referrals.models import ReferralCode

register = template.Library()


@register.simple_tag
def referral_code(subscription) -> ReferralCode:
    return services.referral_code_for(subscription.publication, subscription.person)


@register.simple_tag
def referral_link(publication, code: ReferralCode) -> str:
    """The link of a code already looked up, without looking it up again."""
    return services.link_with_code(publication, code)


@register.simple_tag
def recommendations_for(publication) -> list:
    return queries.recommendations_for(publication)
