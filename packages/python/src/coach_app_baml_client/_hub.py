"""One event loop's half of :class:`~coach_app_baml_client.layers.RedisStreamsChannelLayer`.

A :class:`Hub` holds this process's only pub/sub connection to Redis. It
subscribes once per group that has a member here, whatever the number of
sockets, and fans each publication out in the process: the Redis work per
broadcast grows with the number of processes, not of sockets. Group
memberships live here, in memory, so they never expire under a live socket
and come back by themselves when the connection does.

The connection's *generation* counts how many times it was (re)established.
A subscriber that saw no change of generation since it last checked its
position against the stream heard every publication in between, in order;
after a change it catches up from the history (:mod:`._subscription`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import re
import secrets
import socket
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgpack
from redis.asyncio import BlockingConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.asyncio.retry import Retry

from . import _native, rollout
from ._errors import DeliveryUnavailableError, DowngradeError
from ._redis_streams import Entry, RedisStreams, parse_live
from .delivery import StreamSettings

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

    from ._subscription import StreamSubscription

__all__ = ["Hub", "Publication", "delivery_counts"]

log = logging.getLogger("coach_app_baml_client.delivery")

# A plain (non-contract) group message starts with this byte; a publication with its epoch.
PLAIN = b"\x00"
# How long the pub/sub connection may be silent before a PING, and how long the PING may go
# unanswered before the connection counts as lost.
HEALTH_INTERVAL = 5.0
HEALTH_TIMEOUT = 5.0
# Connections for commands (broadcasts, history reads, reports) per process and event loop;
# `redis_options={"max_connections": n}` changes it.
MAX_CONNECTIONS = 50
# How long closing waits for the background tasks to end.
CLOSE_TIMEOUT = 2.0
# The longest wait between two attempts to reconnect the pub/sub connection: a Redis that is
# back is noticed within about this long.
MAX_RECONNECT_DELAY = 1.0
# Publications kept for the sockets of this process that read them again (a reconnect storm
# replays the same range to many sockets): by count and by text bytes.
PUBLICATION_CACHE_SIZE = 4096
PUBLICATION_CACHE_BYTES = 32 * 1024 * 1024

_counts: Counter[str] = Counter()


def delivery_counts() -> dict[str, int]:
    """What the streams did in this process: ``resync.<CAUSE>``, ``closed.<code>``,
    ``replayed`` (frames sent from the history), ``gaps`` (gaps filled from the history),
    ``interruptions`` (pub/sub connections lost)."""
    return dict(sorted(_counts.items()))


def count(name: str, n: int = 1) -> None:
    """Adds ``n`` to the delivery counter ``name``."""
    _counts[name] += n


class Publication:
    """One envelope of a stream, shared by every socket of this process that gets it."""

    __slots__ = ("_frames", "entry", "epoch", "group")

    def __init__(self, group: str, epoch: str, entry: Entry) -> None:
        self.group = group
        self.epoch = epoch
        self.entry = entry
        self._frames: dict[str, str | DowngradeError] = {}

    @property
    def offset(self) -> int:
        """The envelope's offset in its epoch."""
        return self.entry.offset

    def frame(self, version: str) -> str | DowngradeError:
        """The frame for a client of ``version``: the text (downgraded when older) with its
        ``meta.position``; computed once per version."""
        frame = self._frames.get(version)
        if frame is None:
            entry = self.entry
            text = (
                entry.text if version == entry.version else rollout.downgrade(entry.text, version)
            )
            if isinstance(text, str):
                text = _native.with_position(text, self.group, self.epoch, entry.offset)
            frame = self._frames[version] = text
        return frame


class Hub:
    """This event loop's pub/sub connection, local channels, group members and streams."""

    def __init__(self, url: str, settings: StreamSettings, redis_options: dict[str, Any]) -> None:
        self.settings = settings
        host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:24] or "host"
        self.token = f"{host}.{os.getpid()}.{secrets.token_hex(4)}"
        timeout = max(settings.publish_timeout, 1.0)
        # Broadcasts beyond max_connections at once wait for a connection (up to the
        # timeout) instead of failing with "Too many connections".
        pool = BlockingConnectionPool.from_url(
            url,
            **{
                "max_connections": MAX_CONNECTIONS,
                "timeout": timeout,
                "socket_connect_timeout": timeout,
                "socket_timeout": 2 * timeout,
                "socket_keepalive": True,
                "health_check_interval": 30,
                **redis_options,
            },
        )
        self.redis: Redis = Redis(connection_pool=pool)
        # The pub/sub connection never retries by itself: a lost connection must be seen,
        # because what was published meanwhile has to be caught up from the history.
        self._pubsub_redis: Redis = Redis.from_url(
            url,
            **{
                "socket_connect_timeout": timeout,
                "socket_timeout": None,
                "socket_keepalive": True,
                **redis_options,
                "retry": Retry(NoBackoff(), 0),
            },
        )
        self.streams = RedisStreams(self.redis, settings)
        self.generation = 0
        self.connected = False
        self._down_since: float | None = time.monotonic()
        self._closing_for_outage = False
        self._pubsub: PubSub | None = None
        self._direct_channel = f"{settings.prefix}:proc:{self.token}"
        self._wanted: dict[str, str] = {}  # pub/sub channel -> group
        self._confirmed: dict[str, asyncio.Event] = {}
        self.subscriptions: dict[str, set[StreamSubscription]] = {}
        self.group_members: dict[str, set[str]] = {}
        self.channels: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._publications: OrderedDict[tuple[str, str, int], Publication] = OrderedDict()
        self._publication_bytes = 0
        self._task: asyncio.Task[None] | None = None
        self._report_task: asyncio.Task[None] | None = None
        self._on_report: Callable[[], dict[str, Any]] | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Starts the reader and the cluster report, unless running.

        Only what listens (a socket's subscription, a group member) starts them: a process that
        only broadcasts (a sync view through ``async_to_sync``, a worker, a command) runs no
        background task, so its short-lived event loops close at once.
        """
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        if self._on_report is not None and (self._report_task is None or self._report_task.done()):
            self._report_task = loop.create_task(self._report_loop())

    def report_with(self, report: Callable[[], dict[str, Any]]) -> None:
        """What :meth:`start`'s cluster report publishes (this process's counts)."""
        self._on_report = report

    async def close(self) -> None:
        """Stops the reader and the report and closes both connections."""
        tasks = [t for t in (self._task, self._report_task) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT)
        await self._drop_pubsub()
        for client in (self.redis, self._pubsub_redis):
            with contextlib.suppress(Exception):
                await client.aclose()

    # ------------------------------------------------------------------ membership

    def channel_of(self, group: str) -> str:
        """The pub/sub channel of ``group``."""
        return self.streams.live_channel(group)

    async def listen(self, group: str) -> None:
        """Subscribes this process to ``group`` (once) and waits until Redis confirmed it.

        Raises :class:`~coach_app_baml_client.DeliveryUnavailableError` when that does not
        happen within ``publish_timeout`` (Redis unreachable).
        """
        channel = self.channel_of(group)
        event = self._confirmed.get(channel)
        if event is None:
            event = self._confirmed[channel] = asyncio.Event()
            self._wanted[channel] = group
            if self.connected and self._pubsub is not None:
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.subscribe(channel)
        self.start()
        try:
            await asyncio.wait_for(event.wait(), self.settings.publish_timeout)
        except asyncio.TimeoutError:
            raise DeliveryUnavailableError(
                group,
                f"Redis did not confirm the subscription within {self.settings.publish_timeout} s",
            ) from None

    def forget(self, group: str) -> None:
        """Unsubscribes from ``group`` when no member or subscription of it is left here."""
        if self.subscriptions.get(group) or self.group_members.get(group):
            return
        self.subscriptions.pop(group, None)
        self.group_members.pop(group, None)
        channel = self.channel_of(group)
        self._wanted.pop(channel, None)
        self._confirmed.pop(channel, None)
        if self.connected and self._pubsub is not None:
            task = asyncio.get_running_loop().create_task(_unsubscribe(self._pubsub, channel))
            task.add_done_callback(_ignore_result)

    def publication(self, group: str, epoch: str, entry: Entry) -> Publication:
        """The shared :class:`Publication` of ``entry`` (made once while it is cached)."""
        key = (group, epoch, entry.offset)
        found = self._publications.get(key)
        if found is not None and found.entry.event_id == entry.event_id:
            self._publications.move_to_end(key)
            return found
        made = Publication(group, epoch, entry)
        if found is not None:
            self._publication_bytes -= len(found.entry.text)
        self._publications[key] = made
        self._publication_bytes += len(entry.text)
        while (
            len(self._publications) > PUBLICATION_CACHE_SIZE
            or self._publication_bytes > PUBLICATION_CACHE_BYTES
        ):
            _, old = self._publications.popitem(last=False)
            self._publication_bytes -= len(old.entry.text)
        return made

    # ------------------------------------------------------------------ plain messages

    def is_local(self, channel: str) -> bool:
        """Whether ``channel`` (a name :meth:`new_channel` made) belongs to this hub."""
        return channel.startswith(f"{self.settings.prefix}.{self.token}!")

    def new_channel(self, prefix: str) -> str:
        """A new channel name of this process, with its queue."""
        name = f"{self.settings.prefix}.{self.token}!{prefix}{secrets.token_hex(8)}"
        self.channels[name] = asyncio.Queue(maxsize=100)
        self.start()  # a consumer: messages sent to its channel arrive through the reader
        return name

    def put_local(self, channel: str, message: dict[str, Any]) -> None:
        """Queues ``message`` for a local channel (dropped and counted when full or gone)."""
        queue = self.channels.get(channel)
        if queue is None:
            return
        try:
            queue.put_nowait(message)
        except asyncio.QueueFull:
            count("plain.dropped")
            log.warning(
                "dropped a %r message: the queue of %s is full", message.get("type"), channel
            )

    async def send_direct(self, channel: str, message: dict[str, Any]) -> None:
        """Sends ``message`` to a channel of another process (``<prefix>.<token>!...``)."""
        token = channel[len(self.settings.prefix) + 1 : channel.index("!")]
        await self.redis.publish(f"{self.settings.prefix}:proc:{token}", _pack([channel, message]))

    async def send_to_group(self, group: str, message: dict[str, Any]) -> None:
        """Publishes a plain (non-contract) message to every member of ``group`` (at most once)."""
        await self.redis.publish(self.channel_of(group), PLAIN + _pack(message))

    # ------------------------------------------------------------------ the reader

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            try:
                await self._connect()
                backoff = 0.05
                await self._read_forever()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, asyncio.TimeoutError, ConnectionError) as err:
                _raise_if_cancelled()  # a client library may turn a cancellation into its error
                await self._lost(err)
            except Exception:  # a bug must not leave every socket of the process deaf
                log.exception("the stream reader failed; reconnecting")
                await self._lost(None)
            self._close_if_unreachable()  # only after an attempt to reconnect failed
            await asyncio.sleep(backoff * (0.5 + random.random()))
            backoff = min(backoff * 2, MAX_RECONNECT_DELAY)

    async def _connect(self) -> None:
        pubsub = self._pubsub_redis.pubsub()
        self._pubsub = pubsub
        channels = list(self._wanted)
        await pubsub.subscribe(self._direct_channel, *channels)
        self.generation += 1
        self.connected = True
        late = [c for c in self._wanted if c not in channels]  # listen()ed meanwhile
        if late:
            await pubsub.subscribe(*late)
        if self._down_since is not None:
            log.info(
                "stream reader connected (generation %d) after %.1f s",
                self.generation,
                time.monotonic() - self._down_since,
            )
        self._down_since = None
        self._closing_for_outage = False

    async def _read_forever(self) -> None:
        pubsub = self._pubsub
        assert pubsub is not None
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        ping_sent: float | None = None
        while True:
            message = await pubsub.get_message(timeout=1.0)
            now = loop.time()
            if message is None:
                if ping_sent is None and now - last_heard > HEALTH_INTERVAL:
                    await pubsub.ping()
                    ping_sent = now
                elif ping_sent is not None and now - ping_sent > HEALTH_TIMEOUT:
                    raise ConnectionError(f"Redis did not answer a PING within {HEALTH_TIMEOUT} s")
                continue
            last_heard, ping_sent = now, None
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = _text(message["channel"]) if message.get("channel") is not None else ""
        if kind == "subscribe":
            group = self._wanted.get(channel)
            event = self._confirmed.get(channel)
            if group is not None and event is not None and not event.is_set():
                event.set()
                for subscription in list(self.subscriptions.get(group, ())):
                    subscription.on_resumed()
            return
        if kind != "message":
            return
        data: bytes = message["data"]
        if channel == self._direct_channel:
            target, payload = msgpack.unpackb(data, raw=False)
            self.put_local(target, payload)
            return
        group = self._wanted.get(channel)
        if group is None:
            return
        if data[:1] == PLAIN:
            payload = msgpack.unpackb(data[1:], raw=False)
            for member in list(self.group_members.get(group, ())):
                self.put_local(member, payload)
            return
        epoch, offset, version, event_id, text = parse_live(data)
        publication = self.publication(group, epoch, Entry(offset, event_id, version, text))
        for subscription in list(self.subscriptions.get(group, ())):
            subscription.on_publication(publication)

    async def _lost(self, error: BaseException | None) -> None:
        if self.connected:
            count("interruptions")
            log.warning("stream reader lost Redis (%s); reconnecting", error)
        self.connected = False
        if self._down_since is None:
            self._down_since = time.monotonic()
        for event in self._confirmed.values():
            event.clear()
        await self._drop_pubsub()
        for subscriptions in list(self.subscriptions.values()):
            for subscription in list(subscriptions):
                subscription.on_interrupted()

    async def _drop_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    def _close_if_unreachable(self) -> None:
        down = self._down_since
        if down is None or self._closing_for_outage:
            return
        if time.monotonic() - down < self.settings.unreachable_close_after:
            return
        self._closing_for_outage = True
        sockets = [s for subs in self.subscriptions.values() for s in subs]
        if sockets:
            log.error(
                "Redis unreachable for %.0f s: closing %d sockets with 1013 so that they resume",
                time.monotonic() - down,
                len(sockets),
            )
        for subscription in sockets:
            subscription.sink.close_socket(1013, "the event stream is unreachable: reconnect")

    # ------------------------------------------------------------------ the cluster view

    def report_key(self, token: str | None = None) -> str:
        """The key holding a process's counts."""
        return f"{self.settings.prefix}:{{ops}}:proc:{token or self.token}"

    @property
    def report_index(self) -> str:
        """The sorted set of live processes, scored by when their counts expire (ms)."""
        return f"{self.settings.prefix}:{{ops}}:procs"

    async def _report_loop(self) -> None:
        interval = self.settings.report_interval
        ttl_ms = int(interval * 3 * 1000)
        while True:
            try:
                report = self._on_report() if self._on_report is not None else {}
                expires = int(time.time() * 1000) + ttl_ms
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.set(self.report_key(), json.dumps(report), px=ttl_ms)
                    pipe.zadd(self.report_index, {self.token: expires})
                    await pipe.execute()
            except (RedisError, OSError, asyncio.TimeoutError) as err:
                log.debug("could not publish this process's counts: %s", err)
            await asyncio.sleep(interval)

    async def cluster_reports(self) -> list[dict[str, Any]]:
        """The counts every live process published (this one included)."""
        now = int(time.time() * 1000)
        await self.redis.zremrangebyscore(self.report_index, "-inf", now)
        tokens = [_text(t) for t in await self.redis.zrangebyscore(self.report_index, now, "+inf")]
        if not tokens:
            return []
        values = await self.redis.mget([self.report_key(t) for t in tokens])
        return [json.loads(v) for v in values if v is not None]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _raise_if_cancelled() -> None:
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    if cancelling is not None and cancelling():
        raise asyncio.CancelledError


def _pack(value: object) -> bytes:
    packed = msgpack.packb(value, use_bin_type=True)
    if not isinstance(packed, bytes):
        raise TypeError(f"cannot serialise a channel layer message: {value!r}")
    return packed


async def _unsubscribe(pubsub: PubSub, channel: str) -> None:
    await pubsub.unsubscribe(channel)


def _ignore_result(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
