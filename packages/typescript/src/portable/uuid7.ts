// UUIDv7 (RFC 9562): a 48-bit Unix-millisecond timestamp, then random bits,
// with a counter in `rand_a` so ids made in the same millisecond still sort
// in creation order (as the core's `Uuid::now_v7` does). Uses Web Crypto,
// which browsers, workers, Deno, Bun, edge runtimes and Node ≥ 19 provide.

interface RandomSource {
  getRandomValues<T extends ArrayBufferView>(array: T): T;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
let lastMs = -1;
let counter = 0;

function random(): RandomSource {
  const source = (globalThis as { crypto?: RandomSource }).crypto;
  if (source === undefined || typeof source.getRandomValues !== "function") {
    throw new Error("makeEnvelope needs Web Crypto (globalThis.crypto.getRandomValues) for the event id; pass meta.eventId on this runtime");
  }
  return source;
}

/** A new UUIDv7 in canonical lowercase form. */
export function uuid7(now: number = Date.now()): string {
  const bytes = random().getRandomValues(new Uint8Array(16));
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter = (counter + 1) & 0xfff;
    if (counter === 0) ms += 1; // 4096 ids in one millisecond: borrow the next one
  } else {
    counter = ((bytes[6] ?? 0) << 8 | (bytes[7] ?? 0)) & 0x7ff; // random start, half the range left to count
  }
  lastMs = ms;
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (counter >>> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  let out = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += "-";
    out += HEX[bytes[i] ?? 0];
  }
  return out;
}
