import { describe, expect, it } from 'vitest';
import { randomToken, secretMatches, sha256, sha256Bytes } from './secrets.js';

describe('randomToken', () => {
  it('gives 256-bit base64url values, never the same one twice across many blocks of the pool', () => {
    const seen = new Set<string>();
    // 2,000 × 32 bytes spans 15 refills of the 4 KiB block: no slice is handed out twice.
    for (let i = 0; i < 2000; i += 1) seen.add(randomToken());
    expect(seen.size).toBe(2000);
    for (const token of seen) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('serves sizes that do not fit the rest of a block, and sizes larger than a block', () => {
    const odd = Array.from({ length: 300 }, () => randomToken(33));
    expect(new Set(odd).size).toBe(300);
    expect(Buffer.from(randomToken(5000), 'base64url')).toHaveLength(5000);
  });

  it('does not hand out runs of zeros (the block is filled by the CSPRNG before use)', () => {
    const bytes = Buffer.concat(Array.from({ length: 256 }, () => Buffer.from(randomToken(16), 'base64url')));
    const zeros = bytes.filter((b) => b === 0).length;
    // 4,096 uniform bytes hold about 16 zeros; a block left unfilled would hold thousands.
    expect(zeros).toBeLessThan(64);
  });
});

describe('secretMatches', () => {
  it('accepts the secret whose SHA-256 is stored and refuses any other', () => {
    const stored = sha256Bytes('correct horse');
    expect(secretMatches('correct horse', stored)).toBe(true);
    expect(secretMatches('correct hors', stored)).toBe(false);
    expect(sha256('correct horse')).toBe(stored.toString('base64url'));
  });
});
