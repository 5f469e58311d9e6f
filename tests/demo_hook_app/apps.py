from django.apps import AppConfig


class DemoHookConfig(AppConfig):
    name = "tests.demo_hook_app"
    label = "demo_hook_app"
    default_auto_field = "django.db.models.BigAutoField"

    def load_demo_data(self, *, stdout) -> None:
        from portal.models import User

        demo_staff = User.objects.filter(username__endswith="-sagsbehandler").count()
        stdout.write(f"demo_hook_app: called after {demo_staff} demo caseworkers were made")
