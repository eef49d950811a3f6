from django.urls import include, path

from masthead.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.desk_home, name="home"),
    path("new/", views.publication_create, name="publication_create"),
    path("join/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("<slug:publication_slug>/", views.dashboard, name="dashboard"),
    path("<slug:publication_slug>/team/", views.team, name="team"),
    path("<slug:publication_slug>/settings/", views.publication_settings, name="settings"),
    path("<slug:publication_slug>/posts/", include("masthead.desk.posts_urls")),
    path("<slug:publication_slug>/subscribers/", include("masthead.subscriptions.desk_urls")),
    path("<slug:publication_slug>/chat/", include("masthead.chat.desk_urls")),
    path("<slug:publication_slug>/billing/", include("masthead.billing.desk_urls")),
    path("<slug:publication_slug>/import/", include("masthead.importers.desk_urls")),
    path("<slug:publication_slug>/export/", include("masthead.importers.export_urls")),
    path("<slug:publication_slug>/api/", include("masthead.api.desk_urls")),
    path("<slug:publication_slug>/webhooks/", include("masthead.outbox.urls")),
    path("<slug:publication_slug>/stats/", include("masthead.stats.urls")),
    path("<slug:publication_slug>/sections/", include("masthead.publications.section_desk_urls")),
    path("<slug:publication_slug>/automations/", include("masthead.automations.desk_urls")),
    path("<slug:publication_slug>/calendar/", include("masthead.desk.calendar_urls")),
]
