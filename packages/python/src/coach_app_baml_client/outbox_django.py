"""A transactional outbox for broadcasts (the ``django`` and ``channels`` extras).

A view that stores a row and broadcasts the event it causes can fail between
the two: the row is stored, Redis is down, the request answers 500, the
client retries, and the row is stored twice. With an outbox the envelope is
stored *with* the row, in the same transaction, and published afterwards by
whoever gets there first: the view right after the commit, or a relay that
retries until Redis answers. Publishing is idempotent by ``meta.event_id``
(the stream keeps each id once), so a retry never makes two events.

Make a concrete model in your app (an abstract model, like
:class:`~coach_app_baml_client.persistence_django.LLMOutputRecord`)::

    from coach_app_baml_client.outbox_django import ContractsOutbox

    class OutboxEvent(ContractsOutbox):
        pass

then, in a view::

    @sync_to_async
    def store(record, group, envelope):
        with transaction.atomic():
            record.save(force_insert=True)
            return OutboxEvent.enqueue(group, envelope)   # validated, stored, not yet sent

    event = await store(record, group, envelope)
    await event.publish(get_channel_layer())   # now if Redis answers; else the relay does it

and run the relay in every ASGI process (``OutboxRelayMiddleware`` starts it
on the first request) or in a process of its own (``await OutboxRelay(OutboxEvent).run()``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import DatabaseError, models
from django.utils import timezone

from . import CONTRACTS_VERSION, _ValidatedJSON, _wire, validate_envelope
from ._errors import DeliveryUnavailableError
from .channels import GroupSendLayer, broadcast

__all__ = ["ContractsOutbox", "OutboxRelay", "OutboxRelayMiddleware"]

log = logging.getLogger("coach_app_baml_client.outbox")

Row = TypeVar("Row", bound="ContractsOutbox")


class ContractsOutbox(models.Model):
    """Abstract: a validated envelope waiting to be (or already) broadcast to ``group``."""

    group = models.CharField(max_length=100, help_text="The Channels group (stream).")
    event_id = models.UUIDField(unique=True, help_text="meta.event_id of the envelope.")
    text = models.TextField(help_text="The envelope's JSON text, validated in producer mode.")
    version = models.CharField(
        max_length=32, help_text="The contracts version it was validated as."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)  # pyright: ignore[reportArgumentType]
    last_error = models.TextField(blank=True, default="")

    class Meta:
        abstract = True
        ordering = ["created_at"]

    @classmethod
    def enqueue(
        cls: type[Row], group: str, envelope: object, *, target_version: str | None = None
    ) -> Row:
        """Validates ``envelope`` (as :func:`~coach_app_baml_client.channels.broadcast` does)
        and stores it, unsent. Call it inside the ``transaction.atomic()`` that stores the row
        the event is about, so both commit or neither does. Raises
        :class:`~coach_app_baml_client.EnvelopeValidationError` for an invalid envelope."""
        wire = _wire(envelope)
        if type(wire) is not _ValidatedJSON or target_version is not None:
            validate_envelope(wire, target_version=target_version)
        text = wire if isinstance(wire, str) else wire.decode("utf-8")
        text = text.removeprefix("\ufeff")
        event_id = json.loads(text)["meta"]["event_id"]
        return cls._default_manager.create(
            group=group,
            event_id=event_id,
            text=text,
            version=target_version or CONTRACTS_VERSION,
        )

    async def publish(self, channel_layer: GroupSendLayer | None) -> bool:
        """Broadcasts the stored envelope and marks it published; ``False`` (and the error
        kept in ``last_error``) when Redis could not be reached: the relay retries it."""
        row: Any = self  # its fields' values (Django's models are untyped without django-stubs)
        rows = type(self)._default_manager.filter(pk=self.pk)
        try:
            await broadcast(channel_layer, row.group, row.text, target_version=row.version)
        except DeliveryUnavailableError as err:
            row.attempts += 1
            row.last_error = str(err)[:2000]
            await rows.aupdate(attempts=row.attempts, last_error=row.last_error)
            log.warning("event %s stays in the outbox: %s", row.event_id, err)
            return False
        row.published_at = timezone.now()
        await rows.aupdate(published_at=row.published_at)
        return True


class OutboxRelay:
    """Publishes what a :class:`ContractsOutbox` model holds unsent, oldest first, retrying.

    Several relays (one per ASGI process, say) may run at once: publishing is
    idempotent by ``meta.event_id``, so the worst case is a wasted call.
    ``grace`` leaves rows younger than that to the view that made them;
    ``keep`` deletes published rows older than that.
    """

    def __init__(
        self,
        model: type[ContractsOutbox],
        channel_layer: Callable[[], GroupSendLayer | None] | None = None,
        *,
        interval: float = 1.0,
        grace: float = 2.0,
        batch: int = 100,
        keep: timedelta = timedelta(days=1),
    ) -> None:
        self.model = model
        self._layer = channel_layer or _default_layer
        self.interval = interval
        self.grace = grace
        self.batch = batch
        self.keep = keep

    async def publish_pending(self) -> int:
        """One pass: publishes up to ``batch`` unsent rows; stops at the first that cannot
        be published (Redis down). Returns how many were published."""
        cutoff = timezone.now() - timedelta(seconds=self.grace)
        rows = await sync_to_async(self._pending)(cutoff)
        layer = self._layer()
        published = 0
        for row in rows:
            if not await row.publish(layer):
                break
            published += 1
        if published:
            log.info("relayed %d outbox event(s)", published)
        return published

    async def run(self) -> None:
        """Publishes pending rows forever (every ``interval`` seconds when idle)."""
        while True:
            published = 0
            try:
                published = await self.publish_pending()
                await sync_to_async(self._forget_old)()
            except DatabaseError as err:
                log.warning("outbox relay: database error: %s", err)
            except Exception:  # the relay must outlive any one failure; what failed stays queued
                log.exception("outbox relay: publishing failed; retrying")
            await asyncio.sleep(0 if published == self.batch else self.interval)

    def _pending(self, cutoff: Any) -> list[ContractsOutbox]:
        rows = self.model._default_manager.filter(published_at__isnull=True, created_at__lte=cutoff)
        return list(rows.order_by("created_at", "pk")[: self.batch])

    def _forget_old(self) -> None:
        self.model._default_manager.filter(published_at__lt=timezone.now() - self.keep).delete()


def _default_layer() -> GroupSendLayer | None:
    from channels.layers import get_channel_layer

    layer: GroupSendLayer | None = get_channel_layer()
    return layer


class OutboxRelayMiddleware:
    """ASGI middleware that starts an :class:`OutboxRelay` in the process on its first call.

    ``application = OutboxRelayMiddleware(ProtocolTypeRouter({...}), OutboxEvent)`` runs the
    relay next to every daphne or uvicorn process, no extra process needed.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], relay: OutboxRelay) -> None:
        self.app = app
        self.relay = relay
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.relay.run())
        await self.app(scope, receive, send)
