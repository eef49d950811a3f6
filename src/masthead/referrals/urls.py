"""The Leaderboard and one-click subscribe on publication pages; the desk's referral pages."""

from django.urls import path

from masthead.referrals import views

app_name = "referrals"
urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("leaderboard/anonymity/", views.set_anonymity, name="set_anonymity"),
    path(
        "recommendations/<int:recommendation_id>/subscribe/",
        views.subscribe_recommended,
        name="subscribe_recommended",
    ),
    # The desk's own URLconf stays as it is; these resolve after it under the same /desk/ path.
    path("desk/<slug:publication_slug>/referrals/", views.desk_rewards, name="desk_rewards"),
    path(
        "desk/<slug:publication_slug>/recommendations/",
        views.desk_recommendations,
        name="desk_recommendations",
    ),
    path(
        "desk/<slug:publication_slug>/recommendations/<int:recommendation_id>/remove/",
        views.desk_recommendation_remove,
        name="desk_recommendation_remove",
    ),
]
