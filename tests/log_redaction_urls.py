"""A URLconf of made-up views for tests/test_log_redaction.py: secrets at other places than a survey's."""

from django.http import HttpResponse
from django.urls import include, path, re_path

from portal.log_redaction import sensitive_url_kwargs


@sensitive_url_kwargs("token")
def reset_password(request, user: int, token: str):
    return HttpResponse("reset")


@sensitive_url_kwargs("first", "second")
def two_secrets(request, first: str, second: str):
    return HttpResponse("two")


@sensitive_url_kwargs("key")
def by_regex(request, key: str):
    return HttpResponse("regex")


def profile(request, user: int, tab: str):
    return HttpResponse("profile")


urlpatterns = [
    path(
        "konto/<int:user>/",
        include([path("nulstil/<str:token>/", reset_password), path("<slug:tab>/", profile)]),
    ),
    path("par/<str:first>/og/<str:second>/", two_secrets),
    re_path(r"^gammel/(?P<key>[0-9a-f]{8})/$", by_regex),
]
