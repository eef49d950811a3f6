from django.urls import path

from masthead.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/undo/", views.resubscribe, name="resubscribe"),
    # The "Stop getting <section> posts" link of a section's newsletter: the same signed token.
    path(
        "unsubscribe/<str:token>/section/<int:section_id>/",
        views.leave_section,
        name="leave_section",
    ),
    path(
        "unsubscribe/<str:token>/section/<int:section_id>/undo/",
        views.rejoin_section,
        name="rejoin_section",
    ),
    path(
        "account/subscriptions/<int:subscription_id>/unsubscribe/",
        views.unsubscribe_from_account,
        name="unsubscribe_from_account",
    ),
    path(
        "account/subscriptions/<int:subscription_id>/email/",
        views.email_choices,
        name="email_choices",
    ),
]
