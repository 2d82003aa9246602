/**
 * The backend's enums mirror Go's wire names (as events.ts mirrors
 * app/events): this test reads the Go tables and fails when either side
 * adds, drops or renames a value. If a Go file moves, point the import at
 * its new place.
 */
import { describe, expect, it } from 'vitest'
import callStateGo from '../../../../app/calls/state.go?raw'
import diagnoseGo from '../../../../app/discovery/diagnose.go?raw'
import dndSpanGo from '../../../../app/dnd/span.go?raw'
import { CallDirection, CallOutcome, CallState, DiscoveryReason, DndSpan } from '.'

/** The quoted strings of Go's `var NAME = [...]string{...}` table. */
function goNames(src: string, table: string): string[] {
  const m = new RegExp(`var ${table} = \\[\\.\\.\\.\\]string\\{([^}]*)\\}`).exec(src)
  if (!m) throw new Error(`no ${table} table in the Go source`)
  return [...m[1].matchAll(/"([^"]*)"/g)].map((q) => q[1])
}

/** The wire names in the comments of a Go const block: `DirectionOutgoing // "outgoing"`. */
function goCommented(src: string, prefix: string): string[] {
  return [...src.matchAll(new RegExp(`^\\s*${prefix}\\w*\\b[^\\n]*//\\s*"([a-z_]+)"`, 'gm'))].map((m) => m[1])
}

describe('backend enums mirror Go', () => {
  it.each([
    ['CallState', Object.values(CallState), goNames(callStateGo, 'stateNames')],
    ['CallOutcome', Object.values(CallOutcome), goNames(callStateGo, 'outcomeNames')],
    // "unknown" is Go's zero value, which it never marshals.
    ['DiscoveryReason', Object.values(DiscoveryReason), goNames(diagnoseGo, 'reasonNames').filter((n) => n !== 'unknown')],
    ['CallDirection', Object.values(CallDirection), ['unknown', ...goCommented(callStateGo, 'Direction')]],
    ['DndSpan', Object.values(DndSpan), goNames(dndSpanGo, 'spanNames').filter((n) => n !== 'unknown')],
  ])('%s', (_name, ts, go) => {
    expect(go.length).toBeGreaterThan(1)
    expect([...ts].sort()).toEqual([...go].sort())
  })
})
