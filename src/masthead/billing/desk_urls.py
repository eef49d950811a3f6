"""The desk's paid subscriptions: prices, offers, comps and revenue.

Included at /desk/<publication_slug>/billing/ by the desk's URLconf, so inside its namespace:
the full names are desk:billing:desk_plans, desk:billing:desk_comps and so on."""

from django.urls import path

from masthead.billing import desk_views

app_name = "billing"
urlpatterns = [
    path("", desk_views.desk_plans, name="desk_plans"),
    path("offers/", desk_views.desk_offers, name="desk_offers"),
    path("offers/<int:offer_id>/end/", desk_views.desk_offer_end, name="desk_offer_end"),
    path("comps/", desk_views.desk_comps, name="desk_comps"),
    path("comps/<int:grant_id>/end/", desk_views.desk_comp_end, name="desk_comp_end"),
    path("revenue/", desk_views.desk_revenue, name="desk_revenue"),
]
