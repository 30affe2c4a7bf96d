import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A fresh random value of `bytes` bytes, base64url-encoded. 32 bytes (256 bits) by default: well above
 * RFC 9126 §7.1 / RFC 9101 §10.2(d) and the conformance suite's 96-bit floor.
 */
export function randomToken(bytes = 32): string {
  return takeRandom(bytes).toString('base64url');
}

/**
 * Random bytes are drawn from the CSPRNG in blocks and handed out in slices, as Node's own
 * `randomUUID` does: each `randomBytes` call costs a system call, which is dear in sandboxed kernels
 * (about 30 µs here, against under 2 µs for a slice), and a flow draws several secrets. Every byte is
 * handed out once.
 */
const RANDOM_BLOCK_BYTES = 4096;
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;

function takeRandom(bytes: number): Buffer {
  if (bytes > RANDOM_BLOCK_BYTES) return randomBytes(bytes);
  if (randomOffset + bytes > randomBlock.length) {
    randomBlock = randomBytes(RANDOM_BLOCK_BYTES);
    randomOffset = 0;
  }
  const slice = randomBlock.subarray(randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return slice;
}

/**
 * SHA-256 of a string (as UTF-8), base64url: how request_uri references, codes, tokens and jtis are
 * stored. Node's one-shot `hash` makes no Hash object: a third of the time of `createHash` here.
 */
export function sha256(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** SHA-256 of a string (as UTF-8) as raw bytes. */
export function sha256Bytes(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Compares a presented secret with a stored SHA-256 hash in constant time: both sides are hashed to the
 * same length first, so neither the content nor the length of the secret leaks through timing.
 */
export function secretMatches(presented: string, storedHash: Buffer): boolean {
  return timingSafeEqual(sha256Bytes(presented), storedHash);
}
