"""What the vault keeps in the database: never a share, never the unseal or a data key in clear."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VaultConfig(models.Model):
    """One row: how many key holders, how many must unseal, and how to recognise the key."""

    tag = models.BinaryField(max_length=2, verbose_name=_("tag"))  # printed inside every share: detects foreign shares
    holders = models.PositiveSmallIntegerField(verbose_name=_("key holders"))
    threshold = models.PositiveSmallIntegerField(verbose_name=_("threshold"))
    salt = models.BinaryField(max_length=32, verbose_name=_("salt"))
    verifier = models.CharField(max_length=64, verbose_name=_("verifier"))
    # Share index (as text) -> ``crypto.share_verifier`` of that share: a junk share is refused
    # at once. Empty for a vault made before verifiers: filled at its next unseal.
    share_verifiers = models.JSONField(default=dict, verbose_name=_("share verifiers"))
    # Hex of the Ed25519 key that signs the audit log's checkpoints (public; its private half
    # is a DataKey of purpose "signing"). Empty for a vault made before: made at its next unseal.
    audit_public_key = models.CharField(max_length=64, blank=True, verbose_name=_("audit signing public key"))
    generation = models.PositiveIntegerField(default=1, verbose_name=_("generation"))  # +1 at every rekey
    # +1 whenever the set of data keys or their wrapping changes (rotation, rekey): a running
    # server that sees a new epoch reloads its keys before serving the request.
    key_epoch = models.PositiveIntegerField(default=1, verbose_name=_("key epoch"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))
    rekeyed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rekeyed on"))

    class Meta:
        verbose_name = _("vault settings")
        verbose_name_plural = _("vault settings")

    def __str__(self) -> str:
        return f"vault {self.threshold}-of-{self.holders} gen {self.generation}"


class KeyPurpose(models.TextChoices):
    DATA = "data", "data"  # AES-256-GCM for field values and files
    INDEX = "index", "index"  # HMAC key for blind indexes (never rotated: indexes would change)
    # The root of scoped keys (``state.scope_cipher``): values only some roles may read, such as
    # counselling notes. The general data keys cannot open them; each scope derives its own key
    # from this root with its own label.
    SCOPE = "scope", "scope"
    # The Ed25519 private key that signs the audit log's checkpoints (sanctuary.vault.signing).
    SIGNING = "signing", "signing"


class DataKey(models.Model):
    """A random key, stored wrapped under the key-encryption key derived from the unseal key."""

    purpose = models.CharField(max_length=8, choices=KeyPurpose.choices, verbose_name=_("purpose"))
    version = models.PositiveIntegerField(verbose_name=_("version"))
    wrapped = models.BinaryField(verbose_name=_("wrapped key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))
    retired_at = models.DateTimeField(null=True, blank=True, verbose_name=_("retired on"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "version"], name="datakey_unique_version")]
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"

    def aad(self) -> bytes:
        return f"sanctuary:datakey:{self.purpose}:{self.version}".encode()


class RotationJob(models.Model):
    """Re-encryption of every value under a new data key; resumable after a crash."""

    from_version = models.PositiveIntegerField(verbose_name=_("from key version"))
    to_version = models.PositiveIntegerField(verbose_name=_("to key version"))
    started_at = models.DateTimeField(auto_now_add=True, verbose_name=_("started on"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished on"))
    done = models.PositiveBigIntegerField(default=0, verbose_name=_("done"))
    total = models.PositiveBigIntegerField(default=0, verbose_name=_("total"))

    class Meta:
        verbose_name = _("key rotation")
        verbose_name_plural = _("key rotations")

    def __str__(self) -> str:
        return f"rotation {self.from_version}->{self.to_version}"


class PendingRekey(models.Model):
    """New key material waiting for its key holders to confirm their new shares."""

    tag = models.BinaryField(max_length=2, verbose_name=_("tag"))
    holders = models.PositiveSmallIntegerField(verbose_name=_("key holders"))
    threshold = models.PositiveSmallIntegerField(verbose_name=_("threshold"))
    salt = models.BinaryField(max_length=32, verbose_name=_("salt"))
    verifier = models.CharField(max_length=64, verbose_name=_("verifier"))
    share_verifiers = models.JSONField(
        default=dict, verbose_name=_("share verifiers")
    )  # of the new shares, as VaultConfig's
    wrapped_keys = models.JSONField(
        default=dict, verbose_name=_("wrapped keys")
    )  # DataKey pk -> hex of the key wrapped anew
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    class Meta:
        verbose_name = _("pending rekey")
        verbose_name_plural = _("pending rekeys")

    def __str__(self) -> str:
        return "pending rekey"
