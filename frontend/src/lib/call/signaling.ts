/**
 * Maps negotiation messages onto the Calls service of one call, and
 * call:signal events back onto negotiation messages.
 *
 * Our flow puts the first offer in the invite (Calls.Start) and the first
 * answer in the accept (Calls.Accept); later offers and answers travel as
 * Calls.Renegotiate, candidates as Calls.Candidate ("" = end of
 * candidates). Messages go out one at a time in order: Go handles each
 * request on its own, so two in flight could overtake each other (a
 * candidate before the offer it belongs to).
 */
import type { CallSignal, CallsService, Candidate } from '../backend'
import type { NegotiationMessage } from './negotiator'

/** Sends the first description (offer: Calls.Start; answer: Calls.Accept); resolves with the call id, or null when the call did not go ahead. */
export type FirstDescription = (description: { type: 'offer' | 'answer'; sdp: string }) => Promise<string | null>

export class CallSignaling {
  private chain: Promise<void> = Promise.resolve()
  private firstSent = false
  private closed = false

  constructor(
    private readonly calls: CallsService,
    private readonly first: FirstDescription,
    /** The call id, once known (the callee knows it from the start; the caller from Calls.Start). */
    public callId: string | null = null,
  ) {}

  /** Queues msg behind earlier ones. Resolves once sent; rejects if a renegotiation could not be sent. */
  readonly send = (msg: NegotiationMessage): Promise<void> => {
    const p = this.chain.then(() => this.deliver(msg))
    this.chain = p.catch(() => {})
    return p
  }

  /** Drops everything not yet sent. */
  close(): void {
    this.closed = true
  }

  private async deliver(msg: NegotiationMessage): Promise<void> {
    if (this.closed) return
    if ('description' in msg) {
      const d = msg.description
      if (!this.firstSent) {
        this.firstSent = true
        this.callId = await this.first({ type: d.type, sdp: d.sdp ?? '' })
        return
      }
      if (!this.callId) return
      await this.calls.renegotiate(this.callId, d.type, d.sdp ?? '')
      return
    }
    if (!this.callId) return
    try {
      await this.calls.candidate(this.callId, toCandidate(msg.candidate))
    } catch (err) {
      // One lost candidate rarely matters; the call's end is reported elsewhere.
      if (!this.closed) console.debug('call: candidate not sent', err)
    }
  }
}

/** The Go Candidate for a browser candidate; null (end of candidates) is candidate "". */
export function toCandidate(c: RTCIceCandidateInit | null): Candidate {
  if (!c || !c.candidate) return { candidate: '', ...(c?.usernameFragment ? { usernameFragment: c.usernameFragment } : {}) }
  const out: Candidate = { candidate: c.candidate }
  if (c.sdpMid != null) out.sdpMid = c.sdpMid
  if (c.sdpMLineIndex != null) out.sdpMLineIndex = c.sdpMLineIndex
  if (c.usernameFragment) out.usernameFragment = c.usernameFragment
  return out
}

/** The negotiation message a call:signal carries. */
export function fromSignal(sig: CallSignal): NegotiationMessage {
  switch (sig.kind) {
    case 'answer':
      return { description: { type: 'answer', sdp: sig.sdp } }
    case 'renegotiate':
      return { description: { type: sig.description, sdp: sig.sdp } }
    case 'candidate': {
      const c = sig.candidate
      if (!c?.candidate) return { candidate: null }
      const init: RTCIceCandidateInit = { candidate: c.candidate }
      if (c.sdpMid != null) init.sdpMid = c.sdpMid
      if (c.sdpMLineIndex != null) init.sdpMLineIndex = c.sdpMLineIndex
      if (c.usernameFragment) init.usernameFragment = c.usernameFragment
      return { candidate: init }
    }
    case 'end_of_candidates':
      return { candidate: null }
  }
}
