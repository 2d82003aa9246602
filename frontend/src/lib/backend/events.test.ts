import { describe, expect, it } from 'vitest'
import goNames from '../../../../app/events/names.go?raw'
import { EVENTS } from './events'

describe('EVENTS', () => {
  it('mirrors app/events/names.go: same keys, same names, same order', () => {
    const fromGo = [...goNames.matchAll(/^\s*(\w+)\s+Name\s*=\s*"([^"]+)"/gm)].map((m) => [m[1], m[2]])
    expect(fromGo.length).toBeGreaterThan(0)
    expect(Object.entries(EVENTS)).toEqual(fromGo)
  })

  it('names are noun:verb', () => {
    for (const name of Object.values(EVENTS)) expect(name).toMatch(/^[a-z]+:[a-z]+$/)
  })
})
