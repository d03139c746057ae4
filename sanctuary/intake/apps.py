from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "sanctuary.intake"

    def ready(self) -> None:
        from sanctuary.intake.keys import ensure_intake_key
        from sanctuary.vault import state

        def create_intake_key() -> None:
            ensure_intake_key()

        state.on_unseal(create_intake_key)
