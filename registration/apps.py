from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = "Institutions and registration"

    def ready(self) -> None:
        from registration import outbox, services
        from registration.models import OutboxMessage

        outbox.register(OutboxMessage.CREDENTIALS, outbox.Email(send=services.deliver_credentials))
        outbox.register(
            services.INFORMATION_REQUEST, outbox.Email(send=services.send_information_request)
        )
        outbox.register(
            services.REJECTION_NOTICE, outbox.Email(send=services.send_rejection_notice)
        )
        outbox.register(
            services.REREGISTRATION_NOTICE, outbox.Email(send=services.send_reregistration_notice)
        )
