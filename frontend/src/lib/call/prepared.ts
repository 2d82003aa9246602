/**
 * Negotiation prep: what a call has ready before its first offer or
 * answer goes out — the ICE servers, the caller's peer connection with
 * its tracks and state channel (the offer follows by negotiationneeded),
 * and the callee's connection made while it rings, with the caller's
 * offer set and candidates pooled, held before the answer until accept.
 * It opens no media and emits nothing; sending the first offer/answer
 * through Go is CallSession's (the host's) job.
 */
import type { CallSignal, CallsService, ICEServer } from '../backend'
import { IDEAL_HEIGHT, IDEAL_WIDTH } from '../media'
import type { Attempt, PreparedAnswer } from './attempt'
import { CallError } from './errors'
import type { PeerLink } from './peer'
import { CallSignaling } from './signaling'
import type { MediaFlags } from './types'

/** What negotiation prep needs of the session. */
export interface NegotiationHost {
  readonly calls: CallsService
  /** The ICE servers for a new connection (fetchIceServers). */
  iceServers(): Promise<RTCIceServer[]>
  /** A PeerLink of a wired to the session's outputs. */
  makeLink(a: Attempt, ice: RTCIceServer[], polite: boolean, signaling: CallSignaling, iceCandidatePoolSize?: number): PeerLink
  /** Hands one signal to link's negotiator. */
  deliver(a: Attempt, sig: CallSignal, link: PeerLink): void
  /** The first offer: Calls.Start. Resolves with the call id, or null if the call did not go ahead. */
  sendOffer(a: Attempt, sdp: string): Promise<string | null>
  /** The first answer: Calls.Accept. Same contract as sendOffer. */
  sendAnswer(a: Attempt, sdp: string): Promise<string | null>
}

/** The ICE servers the app hands out, as RTCIceServer; none (LAN host candidates do) when it cannot. */
export async function fetchIceServers(calls: CallsService): Promise<RTCIceServer[]> {
  let list: ICEServer[]
  try {
    list = (await calls.iceServers()) ?? []
  } catch (err) {
    console.warn('call: no ICE servers from the app', err)
    return []
  }
  return list
    .filter((s) => s && Array.isArray(s.urls) && s.urls.length > 0)
    .map((s) => {
      const out: RTCIceServer = { urls: s.urls }
      if (s.username) out.username = s.username
      if (s.credential) out.credential = s.credential
      return out
    })
}

/**
 * The caller's connection: the state channel (before the first offer, so
 * it carries the channel) and the tracks; negotiationneeded then makes the
 * offer, which goes to host.sendOffer (Calls.Start). The call id reaches
 * signaling only once Calls.Start has named the call.
 */
export async function prepareOffer(host: NegotiationHost, a: Attempt, ice: RTCIceServer[], local: MediaFlags): Promise<PeerLink> {
  const signaling = new CallSignaling(host.calls, (d) => host.sendOffer(a, d.sdp))
  a.signaling = signaling
  const link = host.makeLink(a, ice, false, signaling)
  a.link = link
  link.setLocalFlags(local)
  link.openStateChannel()
  await link.setTrack('audio', a.media.mic)
  if (a.video) {
    if (a.media.camera) await link.setTrack('video', a.media.camera)
    else link.addTransceiver('video', 'sendrecv') // no camera: still offer video, to receive it and to turn a camera on later
  }
  return link
}

/**
 * The callee's peer connection, made while ringing: the offer set, the
 * state channel made, candidates pre-gathered; the negotiator then waits
 * (before the answer) until accept calls go(). No media is touched.
 * Rejects when the offer is not usable. Once per attempt.
 */
export function prepareAnswer(host: NegotiationHost, a: Attempt): Promise<PreparedAnswer> {
  a.prepared ??= buildAnswer(host, a)
  return a.prepared
}

async function buildAnswer(host: NegotiationHost, a: Attempt): Promise<PreparedAnswer> {
  const ice = await host.iceServers()
  if (a.ended) throw new CallError('wrong_state', 'The call is over.')
  // The call id goes to signaling once Calls.Accept is through (see sendAnswer).
  const signaling = new CallSignaling(host.calls, (d) => host.sendAnswer(a, d.sdp))
  // One pooled candidate set (max-bundle: one transport) gathers while it rings.
  const link = host.makeLink(a, ice, true, signaling, 1)
  a.preparedLink = link
  // Candidates that came before the link did.
  for (const sig of a.takeEarly()) {
    if (sig.kind === 'candidate' || sig.kind === 'end_of_candidates') host.deliver(a, sig, link)
    else a.early.push(sig)
  }
  let go!: () => void
  const gate = new Promise<void>((resolve) => (go = resolve))
  let offerSet!: () => void
  const set = new Promise<void>((resolve) => (offerSet = resolve))
  const answered = link.negotiator.receive({ description: { type: 'offer', sdp: a.offer } }, async () => {
    link.openStateChannel()
    offerSet()
    await gate
  })
  answered.catch(() => {}) // accept awaits it; before that, a failure surfaces through set
  await Promise.race([set, answered])
  // The camera's start size, set while nothing else runs (see PeerLink.presizeVideo).
  if (a.video) await link.presizeVideo(IDEAL_WIDTH, IDEAL_HEIGHT)
  return { link, signaling, go, answered }
}
