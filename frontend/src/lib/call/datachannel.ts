/**
 * The negotiated data channels of a call besides "state" (statechannel.ts),
 * each on its own fixed id so that both sides make them with no DCEP round
 * trip, all created with the state channel before the first offer:
 *
 *   id 0  state  mic/camera/screen flags      statechannel.ts
 *   id 1  chat   chat messages                chat.ts
 *   id 2  files  file offers, chunks, acks    filewire.ts, transfer.ts
 *
 * All three are ordered and reliable. One set per RTCPeerConnection: a
 * group call (a mesh of 1:1 connections) has one set per other person.
 */

/** The part of RTCDataChannel chat and files use (tests pass fakes). */
export type DataChannelLike = Pick<
  RTCDataChannel,
  'label' | 'readyState' | 'bufferedAmount' | 'bufferedAmountLowThreshold' | 'binaryType' | 'addEventListener' | 'removeEventListener' | 'close'
> & { send(data: string | ArrayBuffer | ArrayBufferView<ArrayBuffer>): void }

export const CHAT_CHANNEL_LABEL = 'chat'
export const FILES_CHANNEL_LABEL = 'files'
export const chatChannelInit: RTCDataChannelInit = { negotiated: true, id: 1, ordered: true }
export const filesChannelInit: RTCDataChannelInit = { negotiated: true, id: 2, ordered: true }

/** A random id of 16 hex digits (message and transfer ids). */
export function randomId(): string {
  const b = new Uint8Array(8)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** Listens to type on target; returns the function that stops it. */
export function listen(target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>, type: string, fn: (ev: Event) => void): () => void {
  target.addEventListener(type, fn)
  return () => target.removeEventListener(type, fn)
}
