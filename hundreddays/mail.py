"""Where email goes when no mail server is configured in production: to the log, without its body.

Password-reset and confirmation emails carry links that sign their reader in. Django's console
backend prints them whole to stdout, that is into the container's logs, where anyone who reads
the logs could use them. With debug off and no ``EMAIL_HOST`` the site still starts (so a first
deploy, the CI checks and the benchmarks work without a mail server), but each email is only
noted: one WARNING line with its recipients and subject, never its body.
"""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("hundreddays.mail")


class LogOnlyEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning(
                "email not sent: EMAIL_HOST is not set",
                extra={
                    "logfmt": [
                        ("msg", "email not sent: EMAIL_HOST is not set"),
                        ("to", ", ".join(message.recipients())),
                        ("subject", message.subject),
                    ]
                },
            )
        return 0
