"""The streams in Redis: one Redis Stream of envelope texts per group, with an epoch and offsets.

Keys of the stream ``G`` (prefix ``P``, ``contracts`` by default); the part in
braces is a Redis Cluster hash tag, so that the keys of one stream live in one
slot and the scripts below can touch them together:

=====================  ==================================================================
``P:{G}:meta``         hash: ``epoch`` (random, made when the stream starts or after its
                       history was lost) and ``top`` (the last offset given)
``P:{G}:log``          stream: one entry per envelope, ID ``<offset>-0``, fields ``e``
                       (``meta.event_id``), ``v`` (the contracts version it was validated
                       as), ``t`` (milliseconds, Redis time), ``x`` (the envelope text)
``P:{G}:ids``          hash: ``meta.event_id`` → offset of the envelopes still kept, so that
                       publishing the same envelope twice (a retry) is a no-op
``P:{G}:live``         pub/sub channel: ``<epoch> <offset> <version> <event id> <text>``
=====================  ==================================================================

A publication is one script: give the next offset, append, trim by count and
age, refresh the expiry, publish. Reading is one script too, so a snapshot's
epoch, top and entries always belong together.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from ._errors import DeliveryUnavailableError
from .delivery import StreamPosition, StreamSettings

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Entry", "RedisStreams", "Snapshot", "new_epoch"]

# A bounded number of trimmed entries per publication keeps every script call short.
MAX_TRIM_PER_PUBLISH = 1000

# Both scripts start alike: the keys, Redis's clock, and the stream's epoch, made from the
# candidate in ARGV[4] (with an empty history) when the stream has none.
HEADER = """
local meta, log, ids = KEYS[1], KEYS[2], KEYS[3]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('DEL', log, ids)
  redis.call('HSET', meta, 'epoch', epoch, 'top', 0)
  redis.call('PEXPIRE', meta, tonumber(ARGV[7]))
end
"""

# ARGV: event id, version, text, candidate epoch, history size, history age (ms), idle ttl (ms).
PUBLISH = (
    HEADER
    + """
local event_id, version, text = ARGV[1], ARGV[2], ARGV[3]
local max_len, max_age, ttl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local seen = redis.call('HGET', ids, event_id)
if seen then
  return {epoch, seen, 0}
end
local offset = redis.call('HINCRBY', meta, 'top', 1)
local added = redis.pcall('XADD', log, offset .. '-0', 'e', event_id, 'v', version, 't', now, 'x', text)
if type(added) == 'table' and added.err then
  -- The log is ahead of `top`: Redis lost part of its writes, so this history cannot be
  -- trusted. Start a new epoch (clients that need the lost part get STREAM_RESYNC).
  epoch, offset = ARGV[4], 1
  redis.call('DEL', log, ids)
  redis.call('HSET', meta, 'epoch', epoch, 'top', offset)
  redis.call('XADD', log, '1-0', 'e', event_id, 'v', version, 't', now, 'x', text)
end
redis.call('HSET', ids, event_id, offset)
local excess = redis.call('XLEN', log) - max_len
local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', math.min(math.max(excess, 0), %(max_trim)d) + 8)
local dropped, keep_from = {}, nil
for i, entry in ipairs(oldest) do
  local fields = entry[2]
  if i <= excess or tonumber(fields[6]) < now - max_age then
    dropped[#dropped + 1] = fields[2]
  else
    keep_from = entry[1]
    break
  end
end
if #dropped > 0 and keep_from then
  redis.call('HDEL', ids, unpack(dropped))
  redis.call('XTRIM', log, 'MINID', keep_from)
end
redis.call('PEXPIRE', meta, ttl)
redis.call('PEXPIRE', log, ttl)
redis.call('PEXPIRE', ids, ttl)
redis.call('PUBLISH', KEYS[4], epoch .. ' ' .. offset .. ' ' .. version .. ' ' .. event_id .. ' ' .. text)
return {epoch, tostring(offset), 1}
"""
    % {"max_trim": MAX_TRIM_PER_PUBLISH}
)

# ARGV: after (offset), count, -, candidate epoch, -, history age (ms), idle ttl (ms).
READ = (
    HEADER
    + """
local after, count, max_age = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[6])
local top = tonumber(redis.call('HGET', meta, 'top'))
local anchor = ''
if after > 0 and after <= top then
  local at = redis.call('XRANGE', log, after .. '-0', after .. '-0')
  if at[1] then anchor = at[1][2][2] end
end
local entries = {}
if after < top then
  local rows = redis.call('XRANGE', log, (after + 1) .. '-0', '+', 'COUNT', count)
  for _, row in ipairs(rows) do
    local f = row[2]
    if tonumber(f[6]) >= now - max_age then
      entries[#entries + 1] = {string.match(row[1], '^(%d+)'), f[2], f[4], f[8]}
    end
  end
end
return {epoch, tostring(top), anchor, entries}
"""
)


def new_epoch() -> str:
    """A new random epoch: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Entry:
    """One envelope of a stream's history, or one just published."""

    offset: int
    event_id: str
    version: str
    """The contracts version the text was validated as."""
    text: str


@dataclass(frozen=True)
class Snapshot:
    """What a stream holds after some offset, read atomically."""

    epoch: str
    top: int
    """The last offset given in this epoch (0: none yet)."""
    anchor: str | None
    """The ``meta.event_id`` kept at the offset read after, ``None`` when not kept."""
    entries: list[Entry]
    """The replayable entries after that offset, oldest first (at most the count asked)."""


class RedisStreams:
    """The Redis side of the streams: publishing and reading, for one Redis (or cluster slot)."""

    def __init__(self, redis: Redis, settings: StreamSettings) -> None:
        self.redis = redis
        self.settings = settings
        self._publish = redis.register_script(PUBLISH)
        self._read = redis.register_script(READ)

    def keys(self, group: str) -> list[str]:
        """``meta``, ``log``, ``ids`` and the live channel of ``group``."""
        base = f"{self.settings.prefix}:{{{group}}}"
        return [f"{base}:meta", f"{base}:log", f"{base}:ids", f"{base}:live"]

    def live_channel(self, group: str) -> str:
        """The pub/sub channel of ``group``'s publications."""
        return self.keys(group)[3]

    async def publish(
        self, group: str, event_id: str, version: str, text: str
    ) -> tuple[StreamPosition, bool]:
        """Appends ``text`` to ``group``'s stream and publishes it; returns its position and
        whether it is new (``False``: an envelope with this ``event_id`` is in the stream
        already, and nothing was done).

        Raises :class:`~coach_app_baml_client.DeliveryUnavailableError` when Redis does not
        answer within ``publish_timeout``.
        """
        settings = self.settings
        args = [
            event_id,
            version,
            text,
            new_epoch(),
            settings.history_size,
            int(settings.history_age * 1000),
            int(settings.idle_ttl * 1000),
        ]
        try:
            result: Any = await asyncio.wait_for(
                self._publish(keys=self.keys(group), args=args), settings.publish_timeout
            )
            epoch, offset, fresh = result
        except asyncio.TimeoutError:
            raise DeliveryUnavailableError(
                group, f"Redis did not answer within {settings.publish_timeout} s"
            ) from None
        except (RedisError, OSError) as err:
            raise DeliveryUnavailableError(group, f"Redis failed: {err}") from err
        return StreamPosition(group, _text(epoch), int(offset)), bool(fresh)

    async def read(self, group: str, after: int, count: int) -> Snapshot:
        """The stream's epoch and top, the event id kept at ``after`` and up to ``count``
        replayable entries after it. A stream that does not exist is started (a new epoch,
        top 0). Raises Redis's errors."""
        settings = self.settings
        args = [
            after,
            count,
            "",
            new_epoch(),
            "",
            int(settings.history_age * 1000),
            int(settings.idle_ttl * 1000),
        ]
        result: Any = await self._read(keys=self.keys(group)[:3], args=args)
        epoch, top, anchor, rows = result
        entries = [
            Entry(int(offset), _text(event_id), _text(version), _text(text))
            for offset, event_id, version, text in rows
        ]
        anchor_text = _text(anchor)
        return Snapshot(_text(epoch), int(top), anchor_text or None, entries)


def parse_live(data: bytes) -> tuple[str, int, str, str, str]:
    """``(epoch, offset, version, event_id, text)`` of a live message."""
    epoch, offset, version, event_id, text = data.split(b" ", 4)
    return epoch.decode(), int(offset), version.decode(), event_id.decode(), text.decode()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
