from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "masthead.posts"
    label = "posts"
