from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.backends import user_saved_or_deleted

        for signal in (post_save, post_delete):
            signal.connect(user_saved_or_deleted, sender=self.get_model("User"), dispatch_uid="cached-user")
