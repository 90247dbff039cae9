"""POST /api/v1/imports as one service: validate, or replay what an Idempotency-Key already created.

With a key (healthkit.idempotency): the request holds (owner, key) for its transaction
(another request with the key meanwhile: 409); a batch already made with the key is
answered again (200) if the request is the same (its fingerprint), else 422; a replay also
sends any of the batch's messages that could not be sent the first time (healthkit.outbox),
so retrying after an enqueue failure ends in an imported batch. Nothing is stored for a
request that fails validation: the key can be used again.
"""

from collections.abc import Callable
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from healthkit.idempotency import idempotency_key_hold, idempotency_key_reused
from healthkit.models import AppleHealthImportBatch
from healthkit.outbox import batch_unsent_chunk_ids, chunk_messages_send
from healthkit.services.imports import import_batch_create
from healthkit.validation import ImportRequest


def _unsent_messages_send(batch_id) -> None:
    chunk_messages_send(batch_unsent_chunk_ids(batch_id))


def import_request_submit(
    *,
    owner: AbstractBaseUser,
    request_parse: Callable[[], ImportRequest],
    idempotency_key: str | None = None,
    request_fingerprint: str = "",
) -> tuple[AppleHealthImportBatch, bool, list[dict]]:
    """(batch, created, rejected samples): a new batch from `request_parse()`, or the one the key already made.

    A replay parses the (same) request again, so its answer lists the same rejected samples.
    """
    if idempotency_key is None:
        parsed = request_parse()
        return *import_batch_create(owner=owner, samples=parsed.items), parsed.rejected
    with transaction.atomic():
        idempotency_key_hold(owner_id=owner.pk, key=idempotency_key)
        existing = AppleHealthImportBatch.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is not None:
            idempotency_key_reused(stored_fingerprint=existing.request_fingerprint, fingerprint=request_fingerprint)
            transaction.on_commit(partial(_unsent_messages_send, existing.pk))
            return existing, False, request_parse().rejected
        parsed = request_parse()
        batch, created = import_batch_create(
            owner=owner,
            samples=parsed.items,
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint,
        )
        return batch, created, parsed.rejected
