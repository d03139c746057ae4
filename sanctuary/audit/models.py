"""The tamper-evident audit log.

Each entry holds the SHA-256 of the previous entry, computed over a canonical encoding of
all its fields, so editing, deleting or reordering any row breaks the chain from there on;
``python manage.py verify_audit`` finds the first bad entry. On PostgreSQL a trigger also
rejects UPDATE and DELETE on the table (migration 0002), and TRUNCATE (migration 0008).

A hash chain alone has no secret: whoever can write the table can rewrite it whole. So the
head is signed, while unsealed, with an Ed25519 key kept in the vault (``Checkpoint``,
``sanctuary.audit.checkpoints``).

Entries never hold personal data: who acted, what kind of thing happened, to which object
(type and surrogate id), and the *names* of changed fields — never their values.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Action(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOGOUT = "logout", _("Logged out")
    LOCKED_OUT = "locked_out", _("Locked out")
    OTP_ENROLLED = "otp_enrolled", _("Two-factor enrolled")
    OTP_FAILED = "otp_failed", _("Two-factor code rejected")
    OTP_RESET = "otp_reset", _("Two-factor reset")
    BACKUP_CODES = "backup_codes", _("Backup codes issued")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")
    SEARCH = "search", _("Searched")
    # A page listing people: ``object_type`` names the list, ``object_id`` its page, and
    # ``fields`` the people shown ("person:<id>"), plus "searched" when a search narrowed it.
    LIST = "list", _("Viewed a list")
    MERGE = "merge", _("Records merged")
    STATUS = "status", _("Status changed")
    UNSEAL_SHARE = "unseal_share", _("Unseal share accepted")
    UNSEAL_REFUSED = "unseal_refused", _("Unseal share refused")
    UNSEALED = "unsealed", _("Vault unsealed")
    SEALED = "sealed", _("Vault sealed")
    REKEYED = "rekeyed", _("Vault rekeyed")
    ROTATED = "rotated", _("Data keys rotated")
    IDENTITY_REQUESTED = "identity_requested", _("True identity requested")
    IDENTITY_APPROVED = "identity_approved", _("True identity request approved")
    IDENTITY_REFUSED = "identity_refused", _("True identity request refused")
    IDENTITY_VIEWED = "identity_viewed", _("True identity viewed")
    # Chain of custody of evidence (with VIEW, EXPORT and CREATE for receipt).
    COPY = "copy", _("Copied")
    TRANSFER = "transfer", _("Handed over")
    HASH_FAILED = "hash_failed", _("Hash check failed")
    # The vault made the key that signs checkpoints; ``object_id`` is its public key (hex).
    CHECKPOINT_KEY = "checkpoint_key", _("Audit signing key created")
    # Backups (sanctuary.backup): ``object_id`` is the backup's id, ``fields`` its key epoch
    # ("key_epoch:4") and, for a drill, how it ended ("passed", or "failed:<reason>").
    BACKUP = "backup", _("Backup made")
    RESTORED = "restored", _("Restored from a backup")
    RESTORE_DRILL = "restore_drill", _("Restore drill")


class AuditEntry(models.Model):
    """One event. Append only: never updated, never deleted."""

    seq = models.PositiveBigIntegerField(unique=True, verbose_name=_("number"))
    at = models.DateTimeField(verbose_name=_("time"))
    actor_id = models.BigIntegerField(
        null=True, verbose_name=_("staff member's id")
    )  # no FK: entries outlive and never change with users
    actor_username = models.CharField(max_length=150, blank=True, verbose_name=_("staff username"))
    action = models.CharField(max_length=32, choices=Action.choices, verbose_name=_("action"))
    object_type = models.CharField(max_length=64, blank=True, verbose_name=_("record type"))
    object_id = models.CharField(max_length=64, blank=True, verbose_name=_("record id"))
    fields = models.JSONField(default=list, verbose_name=_("fields"))  # names of changed fields, never values
    prev_hash = models.CharField(max_length=64, verbose_name=_("previous fingerprint"))
    hash = models.CharField(max_length=64, unique=True, verbose_name=_("fingerprint"))

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "seq"], name="audit_actor_idx"),
            models.Index(fields=["action", "seq"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def record_label(self) -> str:
        """The record in words, in the reader's language ("person 301"); see ``audit.labels``."""
        from sanctuary.audit import labels

        return labels.record_label(self.object_type, self.object_id, self.action)

    def actor_label(self) -> str:
        """Who acted: a username, or the system's actor in words (``audit.labels``)."""
        from sanctuary.audit import labels

        return labels.actor_label(self.actor_id, self.actor_username)

    def field_labels(self) -> list[str]:
        """The fields named by this entry in words (``audit.labels``), never their values."""
        from sanctuary.audit import labels

        return labels.field_labels(self.object_type, list(self.fields or []))

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash, in a fixed encoding."""
        payload: dict[str, Any] = {
            "seq": int(self.seq),
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": str(self.object_id),
            "fields": sorted(str(f) for f in self.fields),
            "prev_hash": self.prev_hash,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


class CheckpointReason(models.TextChoices):
    INTERVAL = "interval", "interval"  # AUDIT_CHECKPOINT_EVERY entries or _MINUTES passed
    UNSEAL = "unseal", "unseal"  # the vault was unsealed: key holders are shown this head
    SEAL = "seal", "seal"  # the last head signed before the keys were forgotten


class Checkpoint(models.Model):
    """The audit chain's head at one moment, signed with the vault's Ed25519 key.

    Checkpoints form a chain of their own (``seq`` from 1 without gaps, each naming the
    previous checkpoint's hash), so deleting one, or the newest ones, shows. Append only,
    like the entries (a trigger on PostgreSQL). The signature covers ``signed_bytes()``;
    ``hash`` covers those bytes and the signature: it is what key holders keep elsewhere.
    """

    seq = models.PositiveBigIntegerField(unique=True, verbose_name=_("number"))
    at = models.DateTimeField(verbose_name=_("time"))
    entry_seq = models.PositiveBigIntegerField(verbose_name=_("entry number"))  # the newest entry when this was signed
    entry_hash = models.CharField(max_length=64, verbose_name=_("entry fingerprint"))
    prev_hash = models.CharField(
        max_length=64, verbose_name=_("previous fingerprint")
    )  # the previous checkpoint's hash
    reason = models.CharField(max_length=16, choices=CheckpointReason.choices, verbose_name=_("reason"))
    public_key = models.CharField(max_length=64, verbose_name=_("public key"))  # hex of the Ed25519 public key
    signature = models.CharField(max_length=128, verbose_name=_("signature"))  # hex
    hash = models.CharField(max_length=64, unique=True, verbose_name=_("fingerprint"))

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} at entry #{self.entry_seq}"

    def signed_bytes(self) -> bytes:
        payload = {
            "seq": int(self.seq),
            "at": self.at.isoformat(timespec="microseconds"),
            "entry_seq": int(self.entry_seq),
            "entry_hash": self.entry_hash,
            "prev_hash": self.prev_hash,
            "reason": self.reason,
            "public_key": self.public_key,
        }
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return b"sanctuary audit checkpoint v1\n" + body.encode("ascii")

    def compute_hash(self) -> str:
        return hashlib.sha256(self.signed_bytes() + self.signature.encode("ascii")).hexdigest()

    def head_text(self) -> str:
        """What key holders keep outside the server: ``verify_audit --head`` checks it."""
        return f"{self.seq}:{self.entry_seq}:{self.hash}"
