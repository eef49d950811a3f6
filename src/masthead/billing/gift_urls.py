"""The reader's gift and group subscription pages, on a publication."""

from django.urls import path

from masthead.billing import gift_views

urlpatterns = [
    path("gifts/", gift_views.gift_buy, name="gift_buy"),
    path("gifts/sent/", gift_views.gift_list, name="gift_list"),
    path("gifts/redeem/<str:token>/", gift_views.gift_redeem, name="gift_redeem"),
    path("groups/", gift_views.group_buy, name="group_buy"),
    path("groups/<int:group_id>/", gift_views.group_manage, name="group_manage"),
    path(
        "groups/<int:group_id>/seats/<int:seat_id>/remove/",
        gift_views.group_seat_remove,
        name="group_seat_remove",
    ),
    path("groups/claim/<str:token>/", gift_views.group_claim, name="group_claim"),
]
