/**
 * TypedEmitter: the one event emitter of the frontend (the call engine,
 * the state classes, the bridge transport and the test fakes). Events are
 * named by the keys of an event map, each with its data type, as LiveKit's
 * TypedEventEmitter does:
 *
 *   const e = new TypedEmitter<{ state: StateChange; stats: CallStats | null }>()
 *   const off = e.on('state', (c) => ...)
 *   e.emit('state', change)
 *
 * A handler that throws is logged and does not stop the others; handlers
 * added or removed during an emit take effect from the next one. It owns
 * no timers and knows nothing of what the events mean.
 */

/** A handler of event E of the map M. */
export type Handler<M, E extends keyof M> = (data: M[E]) => void

/** A minimal typed event emitter over the event map M ({ name: data }). */
export class TypedEmitter<M> {
  private readonly handlers = new Map<keyof M, Set<(data: never) => void>>()

  /** @param name names the owner in the log line of a handler that throws. */
  constructor(private readonly name = 'events') {}

  /** Subscribes to one event; returns the unsubscribe function. */
  on<E extends keyof M>(event: E, handler: Handler<M, E>): () => void {
    let set = this.handlers.get(event)
    if (!set) this.handlers.set(event, (set = new Set()))
    const h = handler as (data: never) => void
    set.add(h)
    return () => void set.delete(h)
  }

  /** Like on, but the handler runs at most once. */
  once<E extends keyof M>(event: E, handler: Handler<M, E>): () => void {
    const off = this.on(event, (data) => {
      off()
      handler(data)
    })
    return off
  }

  /** Calls every handler of event with data. */
  emit<E extends keyof M>(event: E, data: M[E]): void {
    const set = this.handlers.get(event)
    if (!set || set.size === 0) return
    for (const h of [...set]) {
      try {
        ;(h as Handler<M, E>)(data)
      } catch (err) {
        console.error(`${this.name}: handler for ${String(event)} threw`, err)
      }
    }
  }

  /** How many handlers event has (all events without an argument). */
  listenerCount(event?: keyof M): number {
    if (event !== undefined) return this.handlers.get(event)?.size ?? 0
    let n = 0
    for (const set of this.handlers.values()) n += set.size
    return n
  }

  /** Drops every handler of every event. */
  clear(): void {
    this.handlers.clear()
  }
}
