from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "sanctuary.people"
    label = "people"

    def ready(self) -> None:
        from sanctuary.vault import state

        def convert_old_timeline_notes() -> None:
            """Timeline notes the code wrote before messages become messages (needs the keys,
            so it runs at unseal, not in a migration: ``people.timeline``)."""
            from sanctuary.people.timeline import convert_old_notes

            convert_old_notes()

        state.on_unseal(convert_old_timeline_notes)
