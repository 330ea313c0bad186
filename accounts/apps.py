from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Participants")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.backends import forget

        # Every write of a user (a new password, a deactivation) drops the copy the backends keep.
        for signal in (post_save, post_delete):
            signal.connect(forget, sender=self.get_model("User"), dispatch_uid="accounts-forget-user")
