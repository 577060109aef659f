"""A changed password ends every API token of the user, in the same transaction as the change (sessions
end by Django's own session hash)."""
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from knox.models import get_token_model

User = get_user_model()


@receiver(pre_save, sender=User, dispatch_uid="accounts.note_password_change")
def note_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._riskcase_password_changed = before is not None and before != instance.password


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, created=False, raw=False, **kwargs):
    if getattr(instance, "_riskcase_password_changed", False):
        get_token_model().objects.filter(user_id=instance.pk).delete()
        instance._riskcase_password_changed = False
