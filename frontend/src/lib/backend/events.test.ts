import { describe, expect, it } from 'vitest'
import goNames from '../../../../app/events/names.go?raw'
import { EventName } from './events'

describe('EventName', () => {
  it('mirrors app/events/names.go: same keys, same names, same order', () => {
    const fromGo = [...goNames.matchAll(/^\s*(\w+)\s+Name\s*=\s*"([^"]+)"/gm)].map((m) => [m[1], m[2]])
    expect(fromGo.length).toBeGreaterThan(0)
    expect(Object.entries(EventName)).toEqual(fromGo)
  })

  it('names are noun:verb', () => {
    for (const name of Object.values(EventName)) expect(name).toMatch(/^[a-z]+:[a-z]+$/)
  })
})
