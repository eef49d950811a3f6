"""The desk's subscriber management: list, search, import, export.

Included at /desk/<publication_slug>/subscribers/ inside the `desk` namespace.
"""

from django.urls import path

from masthead.subscriptions import desk_detail, desk_views

urlpatterns = [
    path("", desk_views.subscriber_list, name="subscriber_list"),
    path("<int:subscription_id>/", desk_detail.subscriber_detail, name="subscriber_detail"),
    path("export.csv", desk_views.subscriber_export, name="subscriber_export"),
    path("import/", desk_views.subscriber_import, name="subscriber_import"),
    path(
        "import/<int:job_id>/preview/",
        desk_views.subscriber_import_preview,
        name="subscriber_import_preview",
    ),
    path(
        "import/<int:job_id>/confirm/",
        desk_views.subscriber_import_confirm,
        name="subscriber_import_confirm",
    ),
    path(
        "import/<int:job_id>/cancel/",
        desk_views.subscriber_import_cancel,
        name="subscriber_import_cancel",
    ),
    path("import/<int:job_id>/", desk_views.subscriber_import_job, name="subscriber_import_job"),
    path(
        "import/<int:job_id>/resume/",
        desk_views.subscriber_import_resume,
        name="subscriber_import_resume",
    ),
    path(
        "import/<int:job_id>/skipped-rows.csv",
        desk_views.subscriber_import_report,
        name="subscriber_import_report",
    ),
]
