import { afterEach, describe, expect, it, vi } from 'vitest'
import { TypedEmitter } from './emitter'

interface Events {
  num: number
  text: string
  nothing: null
}

afterEach(() => vi.restoreAllMocks())

describe('TypedEmitter', () => {
  it('delivers each event to its own handlers only, with its data', () => {
    const e = new TypedEmitter<Events>()
    const nums: number[] = []
    const texts: string[] = []
    e.on('num', (n) => nums.push(n))
    e.on('text', (t) => texts.push(t))
    e.emit('num', 1)
    e.emit('text', 'a')
    e.emit('num', 2)
    expect(nums).toEqual([1, 2])
    expect(texts).toEqual(['a'])
  })

  it('the function on returns unsubscribes that handler only', () => {
    const e = new TypedEmitter<Events>()
    const got: string[] = []
    const off = e.on('num', () => got.push('a'))
    e.on('num', () => got.push('b'))
    off()
    off() // twice is harmless
    e.emit('num', 1)
    expect(got).toEqual(['b'])
    expect(e.listenerCount('num')).toBe(1)
  })

  it('once runs a handler a single time', () => {
    const e = new TypedEmitter<Events>()
    const got: number[] = []
    e.once('num', (n) => got.push(n))
    e.emit('num', 1)
    e.emit('num', 2)
    expect(got).toEqual([1])
    expect(e.listenerCount()).toBe(0)
  })

  it('a throwing handler is logged and the others still run', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    const e = new TypedEmitter<Events>('test')
    const got: number[] = []
    e.on('num', () => {
      throw new Error('boom')
    })
    e.on('num', (n) => got.push(n))
    e.emit('num', 7)
    expect(got).toEqual([7])
    expect(log).toHaveBeenCalledOnce()
    expect(String(log.mock.calls[0][0])).toContain('test: handler for num threw')
  })

  it('handlers added or removed during an emit count from the next emit', () => {
    const e = new TypedEmitter<Events>()
    const got: string[] = []
    let offB = () => {}
    e.on('num', () => {
      got.push('a')
      offB()
      e.on('num', () => got.push('c'))
    })
    offB = e.on('num', () => got.push('b'))
    e.emit('num', 1)
    expect(got).toEqual(['a', 'b'])
    got.length = 0
    e.emit('num', 2)
    expect(got).toEqual(['a', 'c'])
  })

  it('listenerCount counts per event and in all; clear drops every handler', () => {
    const e = new TypedEmitter<Events>()
    e.on('num', () => {})
    e.on('text', () => {})
    e.on('text', () => {})
    expect(e.listenerCount('num')).toBe(1)
    expect(e.listenerCount('text')).toBe(2)
    expect(e.listenerCount('nothing')).toBe(0)
    expect(e.listenerCount()).toBe(3)
    e.clear()
    expect(e.listenerCount()).toBe(0)
    let called = false
    e.on('nothing', () => (called = true))
    e.emit('nothing', null)
    expect(called).toBe(true)
  })
})
