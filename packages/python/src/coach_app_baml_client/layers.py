"""``RedisStreamsChannelLayer``: a Channels layer whose contract events survive faults.

Configure it as the default channel layer (``pip install
"coach-app-baml-client[channels]"``)::

    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "coach_app_baml_client.layers.RedisStreamsChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "history_size": 500},
        }
    }

and keep calling :func:`~coach_app_baml_client.channels.broadcast` and
subclassing :class:`~coach_app_baml_client.channels.ContractsConsumer`: with
this layer every broadcast envelope gets a position in its group's stream,
each process subscribes once per group and fans out to its sockets, and a
client that reconnects is sent what it missed (``docs/delivery.md``). In
unit tests, Channels' ``InMemoryChannelLayer`` keeps working, without
positions or history.

It is a complete channel layer (``groups`` and ``flush`` extensions): other
messages (``group_send``, ``send`` to a consumer's ``channel_name``) go over
Redis pub/sub, at most once, as with channels_redis's pub/sub layer. Group
memberships live in the process, so they never expire under a live socket.
``CONFIG`` takes ``hosts`` (a list of one ``redis://`` URL), the fields of
:class:`~coach_app_baml_client.delivery.StreamSettings`, ``capacity`` (of a
consumer's queue of other messages, default 100) and ``redis_options``
(passed to ``redis.asyncio.Redis.from_url``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from channels.layers import BaseChannelLayer

from . import rollout
from ._hub import Hub, delivery_counts
from ._subscription import Sink, StreamSubscription
from .delivery import StreamPosition, StreamSettings

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["RedisStreamsChannelLayer"]

log = logging.getLogger("coach_app_baml_client.delivery")

_SETTINGS = {field.name for field in dataclasses.fields(StreamSettings)}


class RedisStreamsChannelLayer(BaseChannelLayer):  # type: ignore[misc]
    """A Channels layer with positioned, replayable streams for contract envelopes.

    >>> layer = RedisStreamsChannelLayer(hosts=["redis://127.0.0.1:6379/0"], history_size=100)
    >>> layer.settings.history_size, layer.settings.history_age
    (100, 300.0)
    >>> RedisStreamsChannelLayer(hosts=["redis://a", "redis://b"])
    Traceback (most recent call last):
    ...
    ValueError: RedisStreamsChannelLayer: hosts must hold exactly one Redis URL (got 2); streams of one group live on one Redis or one cluster slot
    """

    extensions = ["groups", "flush"]

    def __init__(
        self,
        hosts: Sequence[str] | None = None,
        *,
        capacity: int = 100,
        redis_options: dict[str, Any] | None = None,
        **config: Any,
    ) -> None:
        unknown = sorted(set(config) - _SETTINGS - {"expiry", "group_expiry"})
        if unknown:
            raise TypeError(
                f"RedisStreamsChannelLayer: unknown CONFIG keys {unknown}; "
                f"expected hosts, capacity, redis_options or {sorted(_SETTINGS)}"
            )
        urls = list(hosts or ["redis://127.0.0.1:6379/0"])
        if len(urls) != 1 or not isinstance(urls[0], str):
            raise ValueError(
                "RedisStreamsChannelLayer: hosts must hold exactly one Redis URL "
                f"(got {len(urls)}); streams of one group live on one Redis or one cluster slot"
            )
        super().__init__(capacity=capacity)
        self.url = urls[0]
        self.settings = StreamSettings(**{k: v for k, v in config.items() if k in _SETTINGS})
        self._redis_options = dict(redis_options or {})
        self._hubs: dict[asyncio.AbstractEventLoop, Hub] = {}

    def hub(self) -> Hub:
        """The running event loop's :class:`~coach_app_baml_client._hub.Hub` (made on first use)."""
        loop = asyncio.get_running_loop()
        hub = self._hubs.get(loop)
        if hub is None:
            hub = self._hubs[loop] = Hub(self.url, self.settings, self._redis_options)
            hub.report_with(self.local_status)
            _close_with(loop, lambda: self._forget(loop))
        return hub

    async def _forget(self, loop: asyncio.AbstractEventLoop) -> None:
        hub = self._hubs.pop(loop, None)
        if hub is not None:
            await hub.close()

    # ------------------------------------------------------------------ contract envelopes

    async def publish_envelope(
        self, group: str, text: str, version: str, event_id: str
    ) -> StreamPosition:
        """Appends a validated envelope to ``group``'s stream and publishes it; returns its
        position. Publishing an ``event_id`` the stream holds already is a no-op that returns
        the position it has. Raises :class:`~coach_app_baml_client.DeliveryUnavailableError`
        within ``publish_timeout`` when Redis cannot be reached."""
        self.require_valid_group_name(group)
        position, fresh = await self.hub().streams.publish(group, event_id, version, text)
        if not fresh:
            log.info("envelope %s is in %s already (a retry): not published again", event_id, group)
        return position

    def subscription(
        self, group: str, sink: Sink, resume: StreamPosition | None = None
    ) -> StreamSubscription:
        """A subscription of ``sink`` (a socket) to ``group``'s stream; ``start()`` it."""
        self.require_valid_group_name(group)
        return StreamSubscription(self.hub(), group, sink, resume)

    def local_status(self) -> dict[str, Any]:
        """This process's counts: sockets per version, skipped frames, delivery counters."""
        hub = self._hubs.get(asyncio.get_running_loop())
        return {
            "process": hub.token if hub is not None else None,
            "connected_versions": rollout.connected_versions(),
            "skipped_frames": [
                {"version": key.version, "rule_id": key.rule_id, "frames": frames}
                for key, frames in sorted(rollout.skipped_frames().items())
            ],
            "delivery": delivery_counts(),
            "redis_connected": bool(hub and hub.connected),
        }

    async def cluster_status(self) -> dict[str, Any]:
        """The counts of every live process, summed, and each process's own.

        Each process publishes its :meth:`local_status` every ``report_interval`` seconds
        with a time to live of three intervals, so a process that died drops out; the
        calling process's own counts are current.
        """
        hub = self.hub()
        # This process's own counts are read now, not from its last report.
        reports = [r for r in await hub.cluster_reports() if r.get("process") != hub.token]
        reports.append(self.local_status())
        versions: dict[str, int] = {}
        skipped: dict[tuple[str, str], int] = {}
        delivery: dict[str, int] = {}
        for report in reports:
            for version, n in report.get("connected_versions", {}).items():
                versions[version] = versions.get(version, 0) + n
            for row in report.get("skipped_frames", []):
                key = (row["version"], row["rule_id"])
                skipped[key] = skipped.get(key, 0) + row["frames"]
            for name, n in report.get("delivery", {}).items():
                delivery[name] = delivery.get(name, 0) + n
        return {
            "processes": len(reports),
            "connected_versions": dict(sorted(versions.items())),
            "skipped_frames": [
                {"version": v, "rule_id": r, "frames": n} for (v, r), n in sorted(skipped.items())
            ],
            "delivery": dict(sorted(delivery.items())),
            "per_process": sorted(reports, key=lambda r: str(r.get("process"))),
        }

    # ------------------------------------------------------------------ the channel layer API

    async def new_channel(self, prefix: str = "specific.") -> str:
        """A channel of this process (no Redis call: nothing can fail at connect)."""
        return self.hub().new_channel(prefix)

    async def receive(self, channel: str) -> dict[str, Any]:
        """The next message of a channel made by :meth:`new_channel` in this process."""
        hub = self.hub()
        queue = hub.channels.get(channel)
        if queue is None:
            if not hub.is_local(channel):
                raise TypeError(
                    f"RedisStreamsChannelLayer can receive only on channels it made in this "
                    f"process (new_channel()), not {channel!r}"
                )
            queue = hub.channels[channel] = asyncio.Queue(maxsize=self.capacity)
        try:
            return await queue.get()
        except asyncio.CancelledError:
            hub.channels.pop(channel, None)  # the consumer is gone
            raise

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        """Sends ``message`` to a consumer's ``channel_name`` (in any process; at most once)."""
        self.require_valid_channel_name(channel)
        _require_message(message)
        hub = self.hub()
        if hub.is_local(channel):
            hub.put_local(channel, message)
        elif channel.startswith(f"{self.settings.prefix}.") and "!" in channel:
            await hub.send_direct(channel, message)
        else:
            raise TypeError(
                f"RedisStreamsChannelLayer sends to consumers' channel names only, not {channel!r}"
            )

    async def group_add(self, group: str, channel: str) -> None:
        """Adds a channel of this process to ``group`` (in memory: it never expires)."""
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        hub = self.hub()
        hub.group_members.setdefault(group, set()).add(channel)
        await hub.listen(group)

    async def group_discard(self, group: str, channel: str) -> None:
        """Removes ``channel`` from ``group``."""
        hub = self.hub()
        members = hub.group_members.get(group)
        if members is not None:
            members.discard(channel)
        hub.forget(group)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """Sends a plain message to every member of ``group`` in every process (at most once;
        contract envelopes go through :func:`~coach_app_baml_client.channels.broadcast`)."""
        self.require_valid_group_name(group)
        _require_message(message)
        await self.hub().send_to_group(group, message)

    async def flush(self) -> None:
        """Forgets every local channel and group and closes the connections (tests)."""
        hub = self._hubs.pop(asyncio.get_running_loop(), None)
        self._hubs.clear()  # hubs of other (finished) loops hold nothing usable here
        if hub is not None:
            await hub.close()

    async def close(self) -> None:
        """Closes the connections of every event loop's hub."""
        await self.flush()


def _close_with(loop: asyncio.AbstractEventLoop, cleanup: Callable[[], Awaitable[None]]) -> None:
    """Runs ``cleanup`` in ``loop`` as it closes (as channels_redis's layers do): each
    ``async_to_sync`` call of a sync view runs in a loop of its own, and the hub made for it
    must not outlive it with its connections."""
    close = loop.close

    def closing() -> None:
        loop.close = close  # type: ignore[method-assign]
        if not loop.is_running() and not loop.is_closed():
            with contextlib.suppress(Exception):
                loop.run_until_complete(cleanup())
        close()

    loop.close = closing  # type: ignore[method-assign]


def _require_message(message: object) -> None:
    if not isinstance(message, dict) or "type" not in message:
        raise TypeError("a channel layer message must be a dict with a 'type' key")
