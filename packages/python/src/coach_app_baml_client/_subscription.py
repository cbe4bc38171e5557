"""One socket's subscription to one stream: every envelope once, in order, or a resync.

The subscription knows the last position it sent (``epoch``, ``offset``, and
the ``meta.event_id`` there when it saw it). A publication right after that
position is sent as it arrives. Anything else (a gap, another epoch, a lost
connection to Redis, a client that reconnects with a position) is settled by
*catching up*: read what the stream holds after the position and send it,
or, when the history cannot say what was missed, send ``STREAM_RESYNC`` with
where the stream is now. Publications that arrive meanwhile wait, and those
at or before the position reached are dropped, so replay meets live with
neither a gap nor a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from redis.exceptions import RedisError

from . import CONTRACTS_VERSION, envelope_json, rollout
from ._errors import DeliveryUnavailableError, DowngradeError
from ._hub import Hub, Publication, count
from ._redis_streams import Entry, Snapshot
from .delivery import ResyncCause, StreamPosition

__all__ = ["Sink", "StreamSubscription"]

log = logging.getLogger("coach_app_baml_client.delivery")

# Entries read from the history per round trip.
PAGE = 256
# Publications held while catching up before the socket is closed (1013) instead.
MAX_HELD = 4096
# Failed history reads in a row before the socket is closed (1013).
MAX_READ_FAILURES = 5
# An offset past any real one: reading after it returns the stream's top and no entries.
FAR_FUTURE = 2**62


class Sink(Protocol):
    """Where a subscription's frames go: a socket (``ContractsConsumer``)."""

    contracts_version: str

    def send_frame(self, frame: str) -> bool:
        """Queues ``frame`` for the client; ``False`` when the socket is closing instead."""
        ...

    def close_socket(self, code: int, reason: str) -> None:
        """Closes the socket (soon) with ``code``: the client reconnects and resumes."""
        ...


class StreamSubscription:
    """A socket's view of one stream (created by the layer, started by the consumer)."""

    def __init__(
        self, hub: Hub, group: str, sink: Sink, resume: StreamPosition | None = None
    ) -> None:
        self.hub = hub
        self.group = group
        self.sink = sink
        self.epoch: str | None = resume.epoch if resume else None
        self.offset: int | None = resume.offset if resume else None
        self.anchor: str | None = None
        self.generation = -1
        self._starting = True
        self._catching_up = True
        self._held: list[Publication] = []
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    @property
    def position(self) -> StreamPosition | None:
        """The last position sent (or skipped, for an older client), ``None`` before the start."""
        if self.epoch is None or self.offset is None:
            return None
        return StreamPosition(self.group, self.epoch, self.offset)

    async def start(self) -> None:
        """Joins the stream and queues what the client missed (everything after its resume
        position, or nothing for a new client). Raises Redis's errors and
        :class:`~coach_app_baml_client.DeliveryUnavailableError`."""
        self.hub.subscriptions.setdefault(self.group, set()).add(self)
        try:
            await self.hub.listen(self.group)
            await self._catch_up()
        except (RedisError, OSError, asyncio.TimeoutError) as err:
            self.close()
            raise DeliveryUnavailableError(self.group, f"Redis failed: {err}") from err
        except BaseException:
            self.close()
            raise
        self._starting = False
        self._release()

    def close(self) -> None:
        """Leaves the stream (the socket is gone)."""
        if self.closed:
            return
        self.closed = True
        subscriptions = self.hub.subscriptions.get(self.group)
        if subscriptions is not None:
            subscriptions.discard(self)
        self.hub.forget(self.group)
        if self._task is not None:
            self._task.cancel()

    # ------------------------------------------------------------------ from the hub

    def on_publication(self, publication: Publication) -> None:
        """A live publication of the stream."""
        if self.closed:
            return
        if self._catching_up:
            self._hold(publication)
        else:
            self._take(publication)

    def on_interrupted(self) -> None:
        """The hub lost Redis: what is published until it is back must be caught up."""
        self._catching_up = True

    def on_resumed(self) -> None:
        """The hub listens to the stream again (a new connection): catch up."""
        if not self._starting and not self.closed:
            self._catch_up_soon()

    # ------------------------------------------------------------------ the rules

    def _take(self, publication: Publication) -> None:
        if publication.epoch == self.epoch and self.offset is not None:
            if publication.offset <= self.offset:
                return  # sent already (replay met live)
            if publication.offset == self.offset + 1:
                self._send(publication)
                return
        elif publication.offset == 1 and self.generation == self.hub.generation:
            # A new epoch began while this process listened without interruption (the old
            # one expired after idle_ttl): every publication of the old one arrived before.
            self.epoch, self.offset, self.anchor = publication.epoch, 0, None
            self._send(publication)
            return
        count("gaps")
        self._hold(publication)
        self._catch_up_soon()

    def _send(self, publication: Publication) -> None:
        self.offset, self.anchor = publication.offset, publication.entry.event_id
        frame = publication.frame(self.sink.contracts_version)
        if isinstance(frame, DowngradeError):
            rollout.count_skip(self.sink.contracts_version, frame.rule_id)
            return
        if not self.sink.send_frame(frame):
            self.close()

    def _hold(self, publication: Publication) -> None:
        self._held.append(publication)
        if len(self._held) > MAX_HELD:
            self._held.clear()
            self.sink.close_socket(1013, "too many envelopes while catching up: reconnect")
            self.close()

    def _catch_up_soon(self) -> None:
        self._catching_up = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._catch_up_until_live())

    async def _catch_up_until_live(self) -> None:
        failures = 0
        while self._catching_up and not self.closed:
            if not self.hub.connected:
                return  # on_resumed starts again once the hub is back
            try:
                await self._catch_up()
            except (RedisError, OSError, asyncio.TimeoutError) as err:
                failures += 1
                if failures >= MAX_READ_FAILURES:
                    log.warning("closing a socket of %s: history unreadable (%s)", self.group, err)
                    self.sink.close_socket(1013, "the event stream is unreachable: reconnect")
                    self.close()
                    return
                await asyncio.sleep(0.1 * 2**failures)
                continue
            self._release()

    def _release(self) -> None:
        """Live again: the publications held while catching up, in order."""
        held, self._held = self._held, []
        self._catching_up = False
        for publication in held:
            if self._catching_up:
                self._held.append(publication)
            else:
                self._take(publication)
        if not self._catching_up and self.generation != self.hub.generation and self.hub.connected:
            self._catch_up_soon()  # the connection was renewed while this caught up

    async def _catch_up(self) -> None:
        generation = self.hub.generation
        if self.offset is None:  # a new client: start where the stream is now
            snapshot = await self.hub.streams.read(self.group, FAR_FUTURE, 1)
            self.epoch, self.offset, self.anchor = snapshot.epoch, snapshot.top, None
            self.generation = generation
            return
        while True:
            snapshot = await self.hub.streams.read(self.group, self.offset, PAGE)
            cause = self._gap_cause(snapshot)
            if cause is not None:
                self._resync(snapshot, cause)
                break
            self._replay(snapshot.epoch, snapshot.entries)
            if self.offset >= snapshot.top or not snapshot.entries:
                break
        self.generation = generation

    def _gap_cause(self, snapshot: Snapshot) -> ResyncCause | None:
        """Why the history cannot fill the gap after this position, or ``None`` when it can."""
        assert self.offset is not None
        if snapshot.epoch != self.epoch:
            return "EPOCH_CHANGED"
        if self.offset > snapshot.top:
            return "POSITION_UNKNOWN"
        if self.anchor is not None and snapshot.anchor not in (None, self.anchor):
            return "POSITION_UNKNOWN"  # the history was rewritten (Redis lost its last writes)
        if self.offset < snapshot.top and (
            not snapshot.entries or snapshot.entries[0].offset != self.offset + 1
        ):
            return "HISTORY_EXPIRED"
        return None

    def _replay(self, epoch: str, entries: list[Entry]) -> None:
        for entry in entries:
            publication = self.hub.publication(self.group, epoch, entry)
            count("replayed")
            self._send(publication)
            if self.closed:
                return

    def _resync(self, snapshot: Snapshot, cause: ResyncCause) -> None:
        position = StreamPosition(self.group, snapshot.epoch, snapshot.top)
        log.info(
            "STREAM_RESYNC to a socket of %s (%s): from %s:%s to %s:%s",
            self.group,
            cause,
            self.epoch,
            self.offset,
            position.epoch,
            position.offset,
        )
        count(f"resync.{cause}")
        self.epoch, self.offset, self.anchor = position.epoch, position.offset, None
        frame = resync_frame(position, cause, self.sink.contracts_version)
        if frame is not None and not self.sink.send_frame(frame):
            self.close()


def resync_frame(position: StreamPosition, cause: ResyncCause, version: str) -> str | None:
    """The ``STREAM_RESYNC`` envelope for a client of ``version`` (``None``: it cannot carry it)."""
    text = envelope_json("STREAM_RESYNC", {"position": position.to_json(), "cause": cause}).decode()
    return rollout.frame_for(text, CONTRACTS_VERSION, version)
