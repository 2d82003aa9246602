import { describe, expect, it } from 'vitest'
import { Sha256, sha256Hex } from './sha256'

const enc = (s: string) => new TextEncoder().encode(s)

describe('Sha256', () => {
  it('gives the FIPS 180-4 vectors', () => {
    expect(sha256Hex(enc(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex(enc('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256Hex(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
  })

  it('matches WebCrypto for any split of any length', async () => {
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0)
    for (let n = 0; n < 300; n++) {
      const len = n < 200 ? n : rnd() % 5000
      const data = new Uint8Array(len).map(() => rnd() & 0xff)
      const h = new Sha256()
      let i = 0
      while (i < len) {
        const step = Math.min(len - i, 1 + (rnd() % 130))
        h.update(data.subarray(i, i + step))
        i += step
      }
      const want = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
      expect(h.hex()).toBe(Array.from(want, (x) => x.toString(16).padStart(2, '0')).join(''))
    }
  })
})
