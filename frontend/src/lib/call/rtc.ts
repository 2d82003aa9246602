/**
 * The browser entry points the engine uses, gathered so tests can inject
 * fakes (there is no DOM in unit tests). Defaults are the real ones.
 */

/** The RTCPeerConnection constructor. */
export type PeerConnectionConstructor = new (config?: RTCConfiguration) => RTCPeerConnection

/** Where `online` events come from (window in a browser). */
export interface NetworkEvents {
  addEventListener(type: 'online', listener: () => void): void
  removeEventListener(type: 'online', listener: () => void): void
}

export interface RtcEnvironment {
  RTCPeerConnection: PeerConnectionConstructor
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>
  getDisplayMedia(options: DisplayMediaStreamOptions): Promise<MediaStream>
  /** Builds a MediaStream from tracks (the remote and preview streams). */
  createStream(tracks: MediaStreamTrack[]): MediaStream
  /** `online` events trigger an ICE restart. */
  network: NetworkEvents | null
}

/** The browser's entry points, each filled in only when present. */
export function browserRtc(): Partial<RtcEnvironment> {
  const g = globalThis as Partial<typeof globalThis>
  const md = g.navigator?.mediaDevices
  const env: Partial<RtcEnvironment> = {}
  if (typeof g.RTCPeerConnection === 'function') env.RTCPeerConnection = g.RTCPeerConnection
  if (md?.getUserMedia) env.getUserMedia = (c) => md.getUserMedia(c)
  if (md?.getDisplayMedia) env.getDisplayMedia = (o) => md.getDisplayMedia(o)
  if (typeof g.MediaStream === 'function') {
    const MS = g.MediaStream
    env.createStream = (tracks) => new MS(tracks)
  }
  if (typeof g.addEventListener === 'function') env.network = g as unknown as NetworkEvents
  return env
}
