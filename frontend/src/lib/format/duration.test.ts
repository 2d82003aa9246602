import { describe, expect, it } from 'vitest'
import { formatDuration } from './duration'

describe('formatDuration', () => {
  const cases: { name: string; ms: number; want: string }[] = [
    { name: 'zero', ms: 0, want: '00:00' },
    { name: 'under a second rounds down', ms: 999, want: '00:00' },
    { name: 'one second', ms: 1_000, want: '00:01' },
    { name: 'last second of first minute', ms: 59_999, want: '00:59' },
    { name: 'one minute', ms: 60_000, want: '01:00' },
    { name: 'minutes and seconds', ms: 725_000, want: '12:05' },
    { name: 'last second before an hour', ms: 3_599_999, want: '59:59' },
    { name: 'one hour', ms: 3_600_000, want: '1:00:00' },
    { name: 'hours minutes seconds', ms: 3_723_000, want: '1:02:03' },
    { name: 'double-digit hours', ms: 36_000_000, want: '10:00:00' },
    { name: 'hundred hours', ms: 360_000_000, want: '100:00:00' },
    { name: 'negative clamps to zero', ms: -5_000, want: '00:00' },
    { name: 'NaN', ms: Number.NaN, want: '00:00' },
    { name: 'Infinity', ms: Number.POSITIVE_INFINITY, want: '00:00' },
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(formatDuration(c.ms)).toBe(c.want)
    })
  }
})
