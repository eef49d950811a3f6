"""The reader's paid pages: plans, checkout, and their paid subscription on the account page."""

from django.urls import path

from masthead.billing import reader_views

urlpatterns = [
    path("subscribe/<int:plan_id>/checkout/", reader_views.checkout_page, name="checkout"),
    path("account/billing/", reader_views.account, name="account"),
    path("account/billing/cancel/", reader_views.cancel, name="cancel"),
    path("account/billing/resume/", reader_views.resume, name="resume"),
    path("account/billing/switch/", reader_views.switch_plan, name="switch_plan"),
    path("account/billing/card/", reader_views.change_card, name="change_card"),
]
