"""Rekey (new shares, same data) and rotation (new data key, every value re-encrypted).

Rekey is two-phase, so a crash can never leave the organisation without working shares:
``start_rekey`` stores the new key material as *pending* and returns the new shares;
the old shares keep working until ``confirm_rekey`` receives a threshold of the new
shares and swaps, in one transaction.

Rotation adds a data key version and re-encrypts values batch by batch, each batch in its
own transaction. Every stored value names its key version, and the old key is kept until
the job finishes, so after a kill -9 at any point every value is readable with the old or
the new key; running it again continues where it stopped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from Crypto.Protocol.SecretSharing import Shamir
from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from sanctuary.vault import crypto, state
from sanctuary.vault.fields import Ciphertext, EncryptedTextField, _Encrypted
from sanctuary.vault.models import DataKey, KeyPurpose, PendingRekey, RotationJob, VaultConfig
from sanctuary.vault.shares import SHARE_BYTES, decode_share, encode_share


def _kek_from_shares(texts: list[str], cfg_tag: bytes, salt: bytes, verifier: str, threshold: int) -> bytes:
    shares = []
    for text in texts:
        share = decode_share(text)
        if share.vault_tag != cfg_tag:
            raise state.UnsealError("foreign")
        shares.append((share.index, share.value))
    unique = dict(shares)
    if len(unique) < threshold:
        raise state.UnsealError("too_few")
    key = Shamir.combine(sorted(unique.items()))
    if crypto.verifier(key, salt) != verifier:
        raise state.UnsealError("wrong_key")
    return crypto.derive_kek(key, salt)


@transaction.atomic
def start_rekey(current_shares: list[str], holders: int, threshold: int) -> list[str]:
    """Check the current shares, store new key material as pending, return the new shares."""
    cfg = VaultConfig.objects.select_for_update().get()
    if not 1 <= threshold <= holders <= 255:
        raise state.UnsealError("bad_threshold")
    old_kek = _kek_from_shares(current_shares, bytes(cfg.tag), bytes(cfg.salt), cfg.verifier, cfg.threshold)
    new_key = os.urandom(SHARE_BYTES)
    salt = os.urandom(32)
    tag = os.urandom(2)
    while tag == bytes(cfg.tag):
        tag = os.urandom(2)
    new_kek = crypto.derive_kek(new_key, salt)
    PendingRekey.objects.all().delete()
    new_shares = Shamir.split(threshold, holders, new_key)
    pending = PendingRekey.objects.create(
        tag=tag,
        holders=holders,
        threshold=threshold,
        salt=salt,
        verifier=crypto.verifier(new_key, salt),
        share_verifiers={str(index): crypto.share_verifier(salt, index, value) for index, value in new_shares},
    )
    rewrapped = {
        str(key.pk): crypto.wrap(new_kek, crypto.unwrap(old_kek, bytes(key.wrapped), key.aad()), key.aad()).hex()
        for key in DataKey.objects.all()
    }
    pending.wrapped_keys = rewrapped
    pending.save(update_fields=["wrapped_keys"])
    return [encode_share(tag, index, value) for index, value in new_shares]


@transaction.atomic
def confirm_rekey(new_shares: list[str]) -> VaultConfig:
    """A threshold of the new shares proves they were written down; then swap in one go."""
    cfg = VaultConfig.objects.select_for_update().get()
    pending = PendingRekey.objects.select_for_update().first()
    if pending is None:
        raise state.UnsealError("no_pending_rekey")
    _kek_from_shares(new_shares, bytes(pending.tag), bytes(pending.salt), pending.verifier, pending.threshold)
    for key in DataKey.objects.select_for_update():
        wrapped = pending.wrapped_keys.get(str(key.pk))
        if wrapped is None:
            raise state.UnsealError("keys_changed")
        key.wrapped = bytes.fromhex(wrapped)
        key.save(update_fields=["wrapped"])
    cfg.tag, cfg.salt, cfg.verifier = pending.tag, pending.salt, pending.verifier
    cfg.share_verifiers = pending.share_verifiers
    cfg.holders, cfg.threshold = pending.holders, pending.threshold
    cfg.generation += 1
    cfg.key_epoch += 1  # a running server must be unsealed again with the new shares
    cfg.rekeyed_at = timezone.now()
    cfg.save()
    pending.delete()
    return cfg


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[EncryptedTextField]]]:
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields


@transaction.atomic
def _begin_rotation() -> RotationJob:
    """Add the next data key (wrapped under the current key-encryption key) or resume."""
    job = RotationJob.objects.filter(finished_at__isnull=True).select_for_update().first()
    if job is not None:
        return job
    ring = state.keyring()
    current = max(ring.data_versions)
    new_version = current + 1
    kek = state.current_kek()
    key = DataKey(purpose=KeyPurpose.DATA, version=new_version)
    raw = crypto.random_key()
    key.wrapped = crypto.wrap(kek, raw, key.aad())
    key.save()
    total = sum(model._default_manager.count() for model, _fields in encrypted_fields())
    job = RotationJob.objects.create(from_version=current, to_version=new_version, total=total)
    state.bump_epoch()  # running servers start encrypting under the new key
    return job


def _rotate_values(job: RotationJob, batch_size: int, on_batch: Callable[[RotationJob], None] | None) -> int:
    """One pass over every encrypted value; returns how many were still under an old key."""
    ring = state.keyring()
    old_seen = 0
    for model, fields in encrypted_fields():
        last_pk = 0
        parent = getattr(model, "VAULT_PARENT", "").replace(".", "__")
        while True:
            with transaction.atomic():
                ring = state.keyring()  # each batch: a "Seal now" stops the rotation at once
                rows_query = model._default_manager.filter(pk__gt=last_pk).order_by("pk")
                if parent:  # bound values need their parent's uid: one join, not a query per row
                    rows_query = rows_query.select_related(parent).only(
                        "pk", "uid", *[f.name for f in fields], f"{parent}__uid"
                    )
                else:
                    rows_query = rows_query.only("pk", "uid", *[f.name for f in fields])
                rows = list(rows_query[:batch_size])
                if not rows:
                    break
                for row in rows:
                    for field in fields:
                        raw = row.__dict__.get(field.attname)
                        if not isinstance(raw, Ciphertext):
                            continue
                        # Values under an old key, and values stored before parents were bound.
                        upgrade = bool(parent) and not crypto.is_bound(raw)
                        if crypto.stored_version(raw) >= job.to_version and not upgrade:
                            continue
                        plain = ring.decrypt(raw, field.aad(row, stored=raw))
                        fresh = _Encrypted(
                            ring.cipher.encrypt(plain, field.aad(row), job.to_version, prefix=field.prefix(row))
                        )
                        # Only if nobody changed the value meanwhile; a changed value is
                        # looked at again by the next pass.
                        model._default_manager.filter(pk=row.pk, **{field.attname: raw}).update(
                            **{field.attname: fresh}
                        )
                        old_seen += 1
                last_pk = rows[-1].pk
                RotationJob.objects.filter(pk=job.pk).update(done=models.F("done") + len(rows))
            job.refresh_from_db()
            if on_batch is not None:
                on_batch(job)
    return old_seen + _rotate_files(job, on_batch)


def _rotate_files(job: RotationJob, on_batch: Callable[[RotationJob], None] | None) -> int:
    """Encrypted files: write the new ciphertext under a new name, switch the row, then
    remove the old file. A crash leaves at worst an orphan file, never a lost one."""
    from sanctuary.vault import files

    ring = state.keyring()
    changed = 0
    for model in apps.get_models():
        if not hasattr(model, "file_aad") or "stored_name" not in {f.name for f in model._meta.concrete_fields}:
            continue
        rows = model._default_manager.order_by("pk")
        parent = getattr(model, "VAULT_PARENT", "").replace(".", "__")
        for row in (rows.select_related(parent) if parent else rows).iterator():
            ring = state.keyring()
            stored_name: str = row.stored_name  # type: ignore[attr-defined]
            path = files.storage_dir() / stored_name
            if not path.exists():  # moved meanwhile (a merge wrote it anew): the next pass sees it
                continue
            stored = path.read_text(encoding="ascii")
            bound = bool(getattr(model, "VAULT_PARENT", ""))
            if crypto.stored_version(stored) >= job.to_version and (crypto.is_bound(stored) or not bound):
                continue
            plain = ring.decrypt(stored, row.file_aad(stored))  # type: ignore[attr-defined]
            prefix = crypto.BOUND_PREFIX if bound else crypto.PREFIX
            new_name = files.write_encrypted(plain, row.file_aad(), version=job.to_version, prefix=prefix)  # type: ignore[attr-defined]
            with transaction.atomic():
                updated = model._default_manager.filter(pk=row.pk, stored_name=stored_name).update(stored_name=new_name)
            if updated:
                files.delete(stored_name)
            else:
                files.delete(new_name)
            changed += 1
            if on_batch is not None:
                on_batch(job)
    return changed + _rotate_other_files(job)


def _rotate_other_files(job: RotationJob) -> int:
    """Files a model declares in ``VAULT_FILES`` (field -> the part in their associated data,
    ``row.file_aad_for(part)``): a job's input and output, say."""
    from sanctuary.vault import files

    ring = state.keyring()
    changed = 0
    for model in apps.get_models():
        declared: dict[str, str] = getattr(model, "VAULT_FILES", {})
        for field, part in declared.items():
            for row in model._default_manager.exclude(**{field: ""}).order_by("pk").iterator():
                ring = state.keyring()
                name: str = getattr(row, field)
                path = files.storage_dir() / name
                if not path.exists():
                    continue
                stored = path.read_text(encoding="ascii")
                if crypto.stored_version(stored) >= job.to_version:
                    continue
                aad = row.file_aad_for(part)  # type: ignore[attr-defined]
                new_name = files.write_encrypted(ring.decrypt(stored, aad), aad, version=job.to_version)
                updated = model._default_manager.filter(pk=row.pk, **{field: name}).update(**{field: new_name})
                files.delete(name if updated else new_name)
                changed += 1
    return changed


def rotate(batch_size: int = 500, on_batch: Callable[[RotationJob], None] | None = None) -> RotationJob:
    """Re-encrypt every value and file under a new data key. Resumable; must be unsealed.

    A running server follows through ``key_epoch``: it starts writing under the new key at
    its next request. Passes repeat until one finds nothing left under an old key; only
    then is the old key destroyed.
    """
    job = _begin_rotation()
    state.reload_keys()  # pick up the new key version (also after a restart)
    RotationJob.objects.filter(pk=job.pk).update(done=0)
    while _rotate_values(job, batch_size, on_batch):
        RotationJob.objects.filter(pk=job.pk).update(done=0)
    with transaction.atomic():
        job.finished_at = timezone.now()
        job.save(update_fields=["finished_at"])
        # Old data keys are destroyed: a backup from before the rotation no longer opens
        # with today's shares.
        DataKey.objects.filter(purpose=KeyPurpose.DATA, version__lt=job.to_version).delete()
        state.bump_epoch()
    state.reload_keys()
    return job
