import { describe, expect, it } from 'vitest'
import { formatBytes } from './bytes'

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [812, '812 B'],
    [1400, '1.4 KB'],
    [23_000_000, '23 MB'],
    [1_200_000_000, '1.2 GB'],
    [4 * 1024 ** 3, '4.3 GB'],
    [-1, ''],
  ])('%d is %s', (n, want) => expect(formatBytes(n)).toBe(want))
})
