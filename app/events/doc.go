// Package events names the events the Go side pushes to the UI and fans
// them out to every place the UI may live.
//
// It owns the event names and their delivery. It never produces events of
// its own or decides what they mean, and it does not know the Wails
// runtime or the bridge: each is a Sink handed to it.
//
// Names are typed constants of the form "noun:verb" (see Name), defined once
// here and mirrored once in the frontend. A Bus takes Emit calls from the
// services and hands each event to every subscribed Sink: the Wails window
// (a small adapter over runtime.EventsEmit) and the loopback bridge (which
// pushes to connected browsers).
//
// Emit never blocks: each sink has its own goroutine and bounded queue, so a
// slow or stuck sink only loses its own events (logged), never delays the
// caller or the other sinks. Events reach one sink in the order they were
// emitted. Data is handed to sinks as is, possibly after Emit returns, so an
// emitter must not change a value after emitting it (emit copies or
// immutable values).
package events
