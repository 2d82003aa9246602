/**
 * The one interface the UI reaches the Go side through. In the Wails window
 * it is WailsBackend (generated bindings and Wails events); in a plain
 * browser, BridgeBackend (the loopback bridge's WebSocket). Both reach the
 * very same Go methods (app/api) and events (app/events/names.go).
 *
 * Every method returns a Promise that rejects with a BackendError.
 */
import type { EventName } from './events'
import type {
  BlockedView,
  CallInfo,
  CallIntent,
  CallWindow,
  Candidate,
  Capabilities,
  ContactInput,
  ContactView,
  Diagnosis,
  EventMap,
  HistoryMessage,
  HistoryPage,
  ICEServer,
  IncomingCallEvent,
  MediaState,
  Me,
  PeerView,
  Settings,
  DndSpan,
  DoNotDisturb,
  FileTransferView,
} from './types'

/** Go `Identity`. */
export interface IdentityService {
  me(): Promise<Me>
  setName(name: string): Promise<Me>
}

/** Go `Peers`. */
export interface PeersService {
  /** Contacts and LAN peers with presence: favorites first, then online, then by name. */
  list(): Promise<PeerView[]>
  diagnose(): Promise<Diagnosis>
}

/** Go `Contacts`. */
export interface ContactsService {
  list(): Promise<ContactView[]>
  add(input: ContactInput): Promise<ContactView>
  addFromLAN(id: string): Promise<ContactView>
  rename(id: string, name: string): Promise<ContactView>
  setFavorite(id: string, favorite: boolean): Promise<ContactView>
  setBlocked(id: string, blocked: boolean): Promise<ContactView>
  /** Blocks anyone (a stranger too), with the name it called with. */
  block(id: string, name: string): Promise<ContactView>
  /** Everyone blocked: contacts, then strangers, newest first. */
  blocked(): Promise<BlockedView[]>
  delete(id: string): Promise<void>
  /** newId must be the identity the user was shown (ContactView.newId). */
  acceptNewKey(id: string, newId: string): Promise<ContactView>
  rejectNewKey(id: string): Promise<ContactView>
}

/** Go `Calls`. The UI normally uses CallSession (lib/call) rather than this. */
export interface CallsService {
  start(peer: string, video: boolean, offer: string): Promise<CallInfo>
  /** Calls peer as a further leg of the call going on (a group call of up to four; call_full past it). */
  add(peer: string, video: boolean, offer: string): Promise<CallInfo>
  /** Connects to a member an incoming group leg named (CallInfo.members), once it is answered; it does not ring there. */
  join(peer: string, video: boolean, offer: string): Promise<CallInfo>
  /** Every live call: the legs of a group call, oldest first. */
  list(): Promise<CallInfo[]>
  accept(callId: string, video: boolean, answer: string): Promise<CallInfo>
  decline(callId: string): Promise<void>
  cancel(callId: string): Promise<void>
  hangup(callId: string): Promise<void>
  /** A local ICE candidate; candidate "" means the end of candidates. */
  candidate(callId: string, candidate: Candidate): Promise<void>
  renegotiate(callId: string, kind: 'offer' | 'answer', sdp: string): Promise<void>
  mediaState(callId: string, state: MediaState): Promise<void>
  /** The live call, or null. */
  current(): Promise<CallInfo | null>
  /** The ringing incoming call with its offer, or null (a window opened while it rings can answer it). */
  incoming(): Promise<IncomingCallEvent | null>
  iceServers(): Promise<ICEServer[]>
}

/** Go `History`. */
export interface HistoryService {
  /** Up to limit entries older than the cursor `before` ("" for the newest). */
  list(limit: number, before: string): Promise<HistoryPage>
  delete(callId: string): Promise<void>
  clear(): Promise<void>
  /** Keeps a chat message of the call going on now with it (mine: we sent it; Go names the sender). */
  addMessage(callId: string, id: string, mine: boolean, text: string, sentAt: number): Promise<void>
  /** The chat of a call, oldest first. */
  messages(callId: string): Promise<HistoryMessage[]>
}

/**
 * Go `Files`: a file received in a call, streamed chunk by chunk to a
 * hidden .part file in the Downloads folder, named once complete and its
 * SHA-256 checked (app/files). The UI normally uses lib/call's transfers.
 */
export interface FilesService {
  /** Starts receiving a file the sender calls name (empty_file, file_too_large, disk_full). */
  begin(name: string, size: number): Promise<FileTransferView>
  /** Appends chunk (at most 4 MiB) at offset, which must be the bytes received so far; resolves with the bytes received after it. */
  write(id: string, offset: number, chunk: Uint8Array): Promise<number>
  /** The transfer as it stands (what a resume starts from). */
  received(id: string): Promise<FileTransferView>
  /** Checks the SHA-256 (hex) and gives the file its final name (checksum_mismatch removes it). */
  finish(id: string, sha256: string): Promise<FileTransferView>
  /** Drops the transfer and its partial file. */
  abort(id: string): Promise<void>
}

/** Go `Settings`. */
export interface SettingsService {
  get(): Promise<Settings>
  /** Validates and saves; resolves with the settings as stored (normalized). */
  put(settings: Settings): Promise<Settings>
  /** Do not disturb as of now. */
  doNotDisturb(): Promise<DoNotDisturb>
  /** Turns do not disturb on for a span; every window hears dnd:changed. */
  setDoNotDisturb(span: DndSpan): Promise<DoNotDisturb>
  /** Turns do not disturb off. */
  endDoNotDisturb(): Promise<DoNotDisturb>
}

/** The app's place on the desktop (Go: app.Desktop). */
export interface DesktopService {
  /** Tells Go this window is up, and what its web engine can do. */
  ready(caps: Capabilities): Promise<void>
  /** Opens the call window (a browser window on the bridge) that places or answers the call. */
  openCallWindow(intent: CallIntent): Promise<CallWindow>
  /** Whether Peerline starts, in the tray, at login (the OS entry is the truth). */
  startsAtLogin(): Promise<boolean>
  /** Writes or removes the entry that starts Peerline at login. */
  setStartAtLogin(on: boolean): Promise<void>
}

export const BackendKind = {
  Wails: 'wails',
  Bridge: 'bridge',
} as const
/** One of BackendKind's values. */
export type BackendKind = (typeof BackendKind)[keyof typeof BackendKind]

export interface Backend {
  /** Which transport this is. */
  readonly kind: BackendKind
  readonly identity: IdentityService
  readonly peers: PeersService
  readonly contacts: ContactsService
  readonly calls: CallsService
  readonly history: HistoryService
  readonly settings: SettingsService
  readonly desktop: DesktopService
  readonly files: FilesService

  /** Calls handler with the data of every `event`; returns the unsubscribe function. */
  on<E extends EventName>(event: E, handler: (data: EventMap[E]) => void): () => void

  /**
   * Calls handler when the link to the app drops (false) or comes back
   * (true); events sent meanwhile are lost, so refetch state on true. The
   * Wails window never drops. Returns the unsubscribe function.
   */
  onConnectionChange(handler: (connected: boolean) => void): () => void

  /** Releases the transport (the bridge's socket); the Backend is unusable afterwards. */
  close(): void
}

/** Calls one Go method by its "Service.Method" name; rejects with a BackendError. */
export type Invoke = (method: string, ...args: unknown[]) => Promise<unknown>

/** Builds the typed services over an untyped invoker; both transports share it. */
export function services(invoke: Invoke): Pick<Backend, 'identity' | 'peers' | 'contacts' | 'calls' | 'history' | 'settings' | 'desktop' | 'files'> {
  const call =
    <T>(method: string) =>
    (...args: unknown[]) =>
      invoke(method, ...args) as Promise<T>
  const none =
    (method: string) =>
    async (...args: unknown[]): Promise<void> => {
      await invoke(method, ...args)
    }
  return {
    identity: {
      me: call<Me>('Identity.Me'),
      setName: call<Me>('Identity.SetName'),
    },
    peers: {
      list: call<PeerView[]>('Peers.List'),
      diagnose: call<Diagnosis>('Peers.Diagnose'),
    },
    contacts: {
      list: call<ContactView[]>('Contacts.List'),
      add: call<ContactView>('Contacts.Add'),
      addFromLAN: call<ContactView>('Contacts.AddFromLAN'),
      rename: call<ContactView>('Contacts.Rename'),
      setFavorite: call<ContactView>('Contacts.SetFavorite'),
      setBlocked: call<ContactView>('Contacts.SetBlocked'),
      block: call<ContactView>('Contacts.Block'),
      blocked: call<BlockedView[]>('Contacts.Blocked'),
      delete: none('Contacts.Delete'),
      acceptNewKey: call<ContactView>('Contacts.AcceptNewKey'),
      rejectNewKey: call<ContactView>('Contacts.RejectNewKey'),
    },
    calls: {
      start: call<CallInfo>('Calls.Start'),
      add: call<CallInfo>('Calls.Add'),
      join: call<CallInfo>('Calls.Join'),
      list: call<CallInfo[]>('Calls.List'),
      accept: call<CallInfo>('Calls.Accept'),
      decline: none('Calls.Decline'),
      cancel: none('Calls.Cancel'),
      hangup: none('Calls.Hangup'),
      candidate: none('Calls.Candidate'),
      renegotiate: none('Calls.Renegotiate'),
      mediaState: none('Calls.MediaState'),
      current: call<CallInfo | null>('Calls.Current'),
      incoming: call<IncomingCallEvent | null>('Calls.Incoming'),
      iceServers: call<ICEServer[]>('Calls.ICEServers'),
    },
    history: {
      list: call<HistoryPage>('History.List'),
      delete: none('History.Delete'),
      clear: none('History.Clear'),
      addMessage: none('History.AddMessage'),
      messages: call<HistoryMessage[]>('History.Messages'),
    },
    settings: {
      get: call<Settings>('Settings.Get'),
      put: call<Settings>('Settings.Put'),
      doNotDisturb: call<DoNotDisturb>('Settings.DoNotDisturb'),
      setDoNotDisturb: call<DoNotDisturb>('Settings.SetDoNotDisturb'),
      endDoNotDisturb: call<DoNotDisturb>('Settings.EndDoNotDisturb'),
    },
    desktop: {
      ready: none('Desktop.Ready'),
      openCallWindow: call<CallWindow>('Desktop.OpenCallWindow'),
      startsAtLogin: call<boolean>('Desktop.StartsAtLogin'),
      setStartAtLogin: none('Desktop.SetStartAtLogin'),
    },
    files: {
      begin: call<FileTransferView>('Files.Begin'),
      write: (id: string, offset: number, chunk: Uint8Array) => invoke('Files.Write', id, offset, toBase64(chunk)) as Promise<number>,
      received: call<FileTransferView>('Files.Received'),
      finish: call<FileTransferView>('Files.Finish'),
      abort: none('Files.Abort'),
    },
  }
}

/** bytes as standard base64 (Go's encoding/base64.StdEncoding), without a string per byte. */
export function toBase64(bytes: Uint8Array): string {
  let s = ''
  const step = 0x8000
  for (let i = 0; i < bytes.length; i += step) s += String.fromCharCode(...bytes.subarray(i, i + step))
  return btoa(s)
}
