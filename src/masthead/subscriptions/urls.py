from django.urls import path

from masthead.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/undo/", views.resubscribe, name="resubscribe"),
    path(
        "account/subscriptions/<int:subscription_id>/unsubscribe/",
        views.unsubscribe_from_account,
        name="unsubscribe_from_account",
    ),
]
