from django.apps import AppConfig


class StipendsConfig(AppConfig):
    name = "sanctuary.stipends"

    def ready(self) -> None:
        from sanctuary.vault import state

        def encrypt_clear_receipts() -> None:
            from sanctuary.stipends.actions import do_encrypt_clear_receipts

            do_encrypt_clear_receipts()

        state.on_unseal(encrypt_clear_receipts)
