from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = "Loan and copy requests"

    def ready(self) -> None:
        # Every request email goes through the outbox under its own name (requests_app.emails).
        from registration import outbox
        from requests_app import emails, mailing

        email = outbox.Email(
            send=mailing.send_queued_email,
            on_failure=mailing.report_email_failure,
            link=mailing.email_link,
        )
        for name in emails.EMAILS:
            outbox.register(name, email)
        from requests_app.iso18626 import emails as iso18626_emails

        outbox.register(
            iso18626_emails.PARTNER_CHANGED,
            outbox.Email(send=iso18626_emails.send_partner_changed),
        )
