from django.urls import path

from masthead.delivery import views

app_name = "delivery"
urlpatterns = [
    path("mail/", views.mail_list, name="mail_list"),
    path("mail/<str:name>/", views.mail_detail, name="mail_detail"),
]
