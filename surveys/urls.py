from django.urls import path, register_converter

from . import views


class CodeConverter:
    """A typed-in code as it may appear in a link: letters, digits and hyphens (checked by the view)."""

    regex = "[A-Za-z0-9-]{6,24}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "survey_code")

app_name = "surveys"

urlpatterns = [
    path("undersoegelse/", views.enter_code, name="enter-code"),
    path("undersoegelse/tak/", views.thanks, name="thanks"),
    path("undersoegelse/aaben/<uuid:key>/", views.answer_open_link, name="open-link"),
    path("undersoegelse/<survey_code:code>/", views.answer_with_code, name="answer"),
    path("personale/undersoegelser/", views.manager_overview, name="manage"),
    path("personale/undersoegelser/runde/<int:pk>/invitationer/", views.create_invitations, name="invitations"),
]
