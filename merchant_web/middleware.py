"""Simplified Chinese by default on the merchants' pages: only the language switch (its cookie) picks
another language, not the browser's Accept-Language."""
from django.conf import settings
from django.utils import translation

DEFAULT_LANGUAGE = "zh-hans"
PREFIXES = ("/merchant/", "/accounts/", "/public/")


class ChineseByDefaultMiddleware:
    """Runs after LocaleMiddleware; overrides its choice when the user never chose a language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(PREFIXES) and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(DEFAULT_LANGUAGE)
            request.LANGUAGE_CODE = DEFAULT_LANGUAGE
        return self.get_response(request)
