from django.apps import AppConfig


class ReviewApiConfig(AppConfig):
    name = "review_api"
    verbose_name = "Reviewers' and platform systems' API"
