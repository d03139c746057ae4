"""What the vault keeps in the database: never a share, never the unseal or a data key in clear."""

from __future__ import annotations

from django.db import models


class VaultConfig(models.Model):
    """One row: how many key holders, how many must unseal, and how to recognise the key."""

    tag = models.BinaryField(max_length=2)  # printed inside every share: detects foreign shares
    holders = models.PositiveSmallIntegerField()
    threshold = models.PositiveSmallIntegerField()
    salt = models.BinaryField(max_length=32)
    verifier = models.CharField(max_length=64)
    # Share index (as text) -> ``crypto.share_verifier`` of that share: a junk share is refused
    # at once. Empty for a vault made before verifiers: filled at its next unseal.
    share_verifiers = models.JSONField(default=dict)
    # Hex of the Ed25519 key that signs the audit log's checkpoints (public; its private half
    # is a DataKey of purpose "signing"). Empty for a vault made before: made at its next unseal.
    audit_public_key = models.CharField(max_length=64, blank=True)
    generation = models.PositiveIntegerField(default=1)  # +1 at every rekey
    # +1 whenever the set of data keys or their wrapping changes (rotation, rekey): a running
    # server that sees a new epoch reloads its keys before serving the request.
    key_epoch = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    rekeyed_at = models.DateTimeField(null=True, blank=True)

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

    purpose = models.CharField(max_length=8, choices=KeyPurpose.choices)
    version = models.PositiveIntegerField()
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "version"], name="datakey_unique_version")]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"

    def aad(self) -> bytes:
        return f"sanctuary:datakey:{self.purpose}:{self.version}".encode()


class RotationJob(models.Model):
    """Re-encryption of every value under a new data key; resumable after a crash."""

    from_version = models.PositiveIntegerField()
    to_version = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"rotation {self.from_version}->{self.to_version}"


class PendingRekey(models.Model):
    """New key material waiting for its key holders to confirm their new shares."""

    tag = models.BinaryField(max_length=2)
    holders = models.PositiveSmallIntegerField()
    threshold = models.PositiveSmallIntegerField()
    salt = models.BinaryField(max_length=32)
    verifier = models.CharField(max_length=64)
    share_verifiers = models.JSONField(default=dict)  # of the new shares, as VaultConfig's
    wrapped_keys = models.JSONField(default=dict)  # DataKey pk -> hex of the key wrapped anew
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "pending rekey"
