import { describe, expect, it } from 'vitest'
import { parseIntent } from './intent'

describe('parseIntent', () => {
  it.each([
    ['#call=ABCDEFG-HIJKLMN&video=1', { action: 'call', peer: 'ABCDEFG-HIJKLMN', video: true }],
    ['#call=ABCDEFG&video=0', { action: 'call', peer: 'ABCDEFG', video: false }],
    ['#accept=c_123-x&video=1', { action: 'accept', call: 'c_123-x', video: true }],
    ['#accept=c1', { action: 'accept', call: 'c1', video: false }],
    ['accept=c1&video=1', { action: 'accept', call: 'c1', video: true }],
  ])('%s', (hash, want) => {
    expect(parseIntent(hash)).toEqual(want)
  })

  it.each(['', '#', '#/people', '#video=1', '#call=&video=1', '#call=a b', '#call=<script>', '#call=a&accept=b', `#accept=${'x'.repeat(200)}`])(
    'ignores %s',
    (hash) => {
      expect(parseIntent(hash)).toBeNull()
    },
  )
})
