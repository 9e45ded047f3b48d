/**
 * Random bytes and v4 UUIDs from the kernel's CSPRNG (/dev/urandom), without node:crypto.
 *
 * Why: every short-lived CNI ADD/DEL needs a UUID (resource uid) and a random MAC, and loading
 * node:crypto costs ~3.5 ms of a start-up path the container runtime waits for. Reading a few bytes
 * from /dev/urandom costs microseconds and is the same source node:crypto seeds from.
 */
import { openSync, readSync } from 'node:fs';

let urandom: number | undefined;

/** `n` bytes from /dev/urandom (the descriptor stays open for the process's lifetime). */
export function randomBytes(n: number): Uint8Array {
  urandom ??= openSync('/dev/urandom', 'r');
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) got += readSync(urandom, out, got, n - got, null);
  return out;
}

/**
 * An RFC 9562 version 4 UUID.
 * @example randomUUID() // 'b1e0c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e'
 */
export function randomUUID(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
