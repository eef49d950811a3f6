from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "masthead.chat"
    label = "chat"
    verbose_name = "Chat"
