import { describe, expect, it } from 'vitest'
import { CallDirection, EventName, type CallInfo } from '../backend'
import { FakeBackend } from '../backend/backendtest/fake'
import { FakeStream, FakeTrack } from './calltest/rtc'
import { GroupCall } from './group'
import { GroupCapture } from './groupmedia'
import type { CallSession } from './session'
import { CallEvent } from './types'

/** Every track the fake devices handed out, and every clone made of one. */
class Devices {
  readonly all: FakeTrack[] = []
  gum: MediaStreamConstraints[] = []
  display = 0
  track(kind: 'audio' | 'video', label: string): FakeTrack {
    const t = new FakeTrack(kind, label)
    const clone = () => {
      const c = this.track(kind, label)
      c.enabled = t.enabled
      return c
    }
    Object.assign(t, { clone })
    this.all.push(t)
    return t
  }
  getUserMedia = async (c: MediaStreamConstraints): Promise<MediaStream> => {
    this.gum.push(c)
    await Promise.resolve()
    const tracks = [c.audio && this.track('audio', 'mic'), c.video && this.track('video', 'camera')].filter((t): t is FakeTrack => !!t)
    return new FakeStream(tracks as unknown as MediaStreamTrack[]) as unknown as MediaStream
  }
  getDisplayMedia = async (_o?: DisplayMediaStreamOptions): Promise<MediaStream> => {
    this.display++
    await Promise.resolve()
    return new FakeStream([this.track('video', 'screen') as unknown as MediaStreamTrack]) as unknown as MediaStream
  }
  live(label: string): FakeTrack[] {
    return this.all.filter((t) => t.label === label && t.readyState === 'live')
  }
}

const info = (over: Partial<CallInfo>): CallInfo => ({
  id: 'c1',
  peer: 'P1',
  peerName: 'one',
  direction: CallDirection.Incoming,
  media: ['audio', 'video'],
  state: 'connected',
  verified: true,
  startedAt: '',
  ...over,
})

/**
 * A stand-in session holding tracks the way CallSession does: camera
 * from its getUserMedia (for a leg, the group's), the screen it is given
 * in place of the camera, each stopped when dropped or at the call's end.
 */
function fakeSession(gum: (c: MediaStreamConstraints) => Promise<MediaStream>, state = 'idle', call: CallInfo | null = null) {
  const handlers = new Map<string, ((d: unknown) => void)[]>()
  let camera: MediaStreamTrack | null = null
  let screen: { track: MediaStreamTrack; onEnded: () => void } | null = null
  const s = {
    state,
    call,
    remoteStream: null,
    remoteMedia: { micOn: true, cameraOn: true, screenSharing: false },
    localStream: null as MediaStream | null,
    localMedia: { micOn: true, cameraOn: false, screenSharing: false },
    log: [] as string[],
    get localTracks() {
      return { mic: null, camera: s.state === 'ended' ? null : camera }
    },
    get screen() {
      return screen?.track ?? null
    },
    on(ev: string, h: (d: unknown) => void) {
      handlers.set(ev, [...(handlers.get(ev) ?? []), h])
      return () => {}
    },
    fire(ev: string, d: unknown) {
      for (const h of handlers.get(ev) ?? []) h(d)
    },
    async openCamera() {
      camera = (await gum({ video: true })).getVideoTracks()[0]
      s.localMedia = { ...s.localMedia, cameraOn: true }
    },
    async pickUp(ev: { call: CallInfo }) {
      s.call = ev.call
      s.state = 'ringing'
      return true
    },
    async accept(o: { video: boolean }) {
      s.log.push(`accept video=${o.video}`)
      if (o.video) await s.openCamera()
    },
    async placeCall(peer: string, o: { video: boolean }) {
      s.log.push(`place video=${o.video}`)
      s.state = 'calling'
      s.call = info({ id: 'out-' + peer, peer, direction: CallDirection.Outgoing, state: 'calling' })
      if (o.video) await s.openCamera()
    },
    async capVideo() {},
    setMuted() {},
    async setCameraOn(on: boolean) {
      if (s.state === 'ended' || s.state === 'idle') return
      s.log.push(`camera ${on}`)
      if (screen) return
      if (!on) {
        camera?.stop()
        camera = null
        s.localMedia = { ...s.localMedia, cameraOn: false }
      } else if (!camera) await s.openCamera()
    },
    async startScreenShare(given: { track: MediaStreamTrack; onEnded: () => void }) {
      if (s.state === 'ended' || screen) return given.track.stop()
      s.log.push('screen')
      camera?.stop()
      camera = null
      screen = given
      s.localMedia = { ...s.localMedia, screenSharing: true }
    },
    async stopScreenShare(cameraOn?: boolean) {
      if (!screen) return
      s.log.push(`stop screen, camera ${cameraOn}`)
      screen.track.stop()
      screen = null
      s.localMedia = { ...s.localMedia, screenSharing: false, cameraOn: false }
      if (cameraOn) await s.openCamera()
    },
    async hangup() {
      s.to('ended')
    },
    to(st: string) {
      s.state = st
      if (st === 'ended') {
        camera?.stop()
        screen?.track.stop()
        camera = null
        screen = null
      }
      s.fire(CallEvent.State, { state: st })
    },
    dispose() {},
  }
  return s
}
type Fake = ReturnType<typeof fakeSession>

const flush = async (n = 10) => {
  for (let i = 0; i < n; i++) await Promise.resolve()
}

/** A group of us, P1 (the main session's call, with the real camera) and two legs (P2, P3) answered, camera on. */
async function threeOthers() {
  const dev = new Devices()
  const backend = new FakeBackend()
  const main = fakeSession(dev.getUserMedia, 'connected', info({}))
  await main.openCamera()
  main.localStream = new FakeStream() as unknown as MediaStream
  main.fire(CallEvent.LocalStream, main.localStream)
  const legs: Fake[] = []
  const rtc = { getUserMedia: dev.getUserMedia, getDisplayMedia: (o: DisplayMediaStreamOptions) => dev.getDisplayMedia(o), createStream: (t: MediaStreamTrack[]) => new FakeStream(t) as unknown as MediaStream }
  const g = new GroupCall({
    backend,
    main: main as unknown as CallSession,
    rtc,
    makeSession: (o) => {
      const s = fakeSession(o.rtc!.getUserMedia!)
      legs.push(s)
      return s as unknown as CallSession
    },
  })
  const join = async (peer: string) => {
    backend.emit(EventName.CallIncoming, { call: info({ id: 'j-' + peer, peer, group: 'G', autoAccept: true }), offer: 'sdp' })
    await flush()
    const s = legs.at(-1)!
    s.to('connected')
    await flush()
    return s
  }
  const p2 = await join('P2')
  const p3 = await join('P3')
  return { dev, backend, main, g, p2, p3, join }
}

/** The first person leaves: the main session's call ends, its tracks stop. */
function mainLeaves(main: Fake) {
  main.localStream = null
  main.fire(CallEvent.LocalStream, null)
  main.to('ended')
}

describe('GroupCall media: one camera capture', () => {
  it('joins clone the camera the call has open: one capture for three people', async () => {
    const { dev } = await threeOthers()
    expect(dev.gum.filter((c) => c.video)).toHaveLength(1)
    expect(dev.live('camera')).toHaveLength(3) // the capture and two clones
  })

  it('camera off stops every camera track (the light goes out); on after the main leg left is one capture, cloned', async () => {
    const { dev, main, g, p2, p3 } = await threeOthers()
    mainLeaves(main)
    await g.setCameraOn(false)
    expect(dev.live('camera')).toEqual([])
    const before = dev.gum.length
    await g.setCameraOn(true)
    expect(dev.gum.slice(before)).toEqual([{ video: true }]) // one capture for both legs
    expect(dev.live('camera')).toHaveLength(2)
    expect(p2.localTracks.camera).not.toBe(p3.localTracks.camera)
    expect(g.localMedia.cameraOn).toBe(true)
  })

  it('camera on with the main leg live: the main session opens it, the legs clone it', async () => {
    const { dev, main, g, p2 } = await threeOthers()
    await g.setCameraOn(false)
    expect(main.log).toContain('camera false') // the UI asks only the group: it runs the main session too
    const before = dev.gum.length
    await g.setCameraOn(true)
    expect(dev.gum.length - before).toBe(1)
    expect(main.log.at(-1)).toBe('camera true')
    expect(p2.log.at(-1)).toBe('camera true')
    expect(dev.live('camera')).toHaveLength(3)
  })

  it('requests made at once share one capture (the first gets it, the others clones)', async () => {
    const dev = new Devices()
    const cap = new GroupCapture({
      sessions: () => [],
      getUserMedia: dev.getUserMedia,
      createStream: (t) => new FakeStream(t) as unknown as MediaStream,
      muted: () => true,
    })
    const got = await Promise.all([cap.get({ audio: true, video: true }), cap.get({ audio: true, video: true }), cap.get({ video: true })])
    expect(dev.gum).toHaveLength(1)
    const ids = got.flatMap((s) => s.getTracks().map((t) => t.id))
    expect(new Set(ids).size).toBe(5) // each its own track: stopping one leaves the others
    expect(got.flatMap((s) => s.getAudioTracks()).every((t) => !t.enabled)).toBe(true) // our mute
  })

  it('clones only a track of the device asked for: exact, that one or a new capture; ideal, that one first, else any', async () => {
    const gum: MediaStreamConstraints[] = []
    const track = (kind: 'audio' | 'video', deviceId: string) => {
      const t = new FakeTrack(kind, deviceId, deviceId)
      t.settings = { deviceId }
      Object.assign(t, { clone: () => track(kind, deviceId) })
      return t
    }
    const held = { mic: track('audio', 'mic-a') as unknown as MediaStreamTrack, camera: track('video', 'cam-a') as unknown as MediaStreamTrack }
    const cap = new GroupCapture({
      sessions: () => [{ localTracks: held } as unknown as CallSession],
      getUserMedia: async (c) => {
        gum.push(c)
        const id = ((c.video as MediaTrackConstraints).deviceId as { exact: string }).exact
        return new FakeStream([track('video', id) as unknown as MediaStreamTrack]) as unknown as MediaStream
      },
      createStream: (t) => new FakeStream(t) as unknown as MediaStream,
      muted: () => false,
    })
    const camOf = (st: MediaStream) => st.getVideoTracks()[0].getSettings().deviceId
    expect(camOf(await cap.get({ video: { deviceId: { exact: 'cam-a' } } }))).toBe('cam-a')
    expect(gum).toHaveLength(0) // the live one, cloned
    expect(camOf(await cap.get({ video: { deviceId: { ideal: 'cam-b' } } }))).toBe('cam-a')
    expect(gum).toHaveLength(0) // a saved choice that is not open: what is open will do
    expect(camOf(await cap.get({ video: { deviceId: { exact: 'cam-b' } } }))).toBe('cam-b')
    expect(gum).toHaveLength(1) // picked now: never a clone of the old camera
    expect(camOf(await cap.get({ video: { deviceId: { exact: 'cam-b' } } }))).toBe('cam-b')
    expect(gum).toHaveLength(1) // the new one is open now: cloned
  })

  it('never hands out a screen as a camera', async () => {
    const dev = new Devices()
    const screen = dev.track('video', 'screen')
    const sharing = { localTracks: { mic: null, camera: null }, localStream: new FakeStream([screen as unknown as MediaStreamTrack]) }
    const cap = new GroupCapture({
      sessions: () => [sharing as unknown as CallSession],
      getUserMedia: dev.getUserMedia,
      createStream: (t) => new FakeStream(t) as unknown as MediaStream,
      muted: () => false,
    })
    const st = await cap.get({ video: true })
    expect(st.getVideoTracks()[0].label).toBe('camera')
    expect(dev.gum).toHaveLength(1)
  })
})

describe('GroupCall media: the screen, shared to everyone', () => {
  it('after the main leg left: shared to both legs from one capture; stopped, the camera comes back once, cloned', async () => {
    const { dev, main, g, p2, p3 } = await threeOthers()
    mainLeaves(main)
    await g.startScreenShare()
    expect(dev.display).toBe(1)
    expect(p2.screen).not.toBeNull()
    expect(p3.screen).not.toBeNull()
    expect(p2.screen).not.toBe(p3.screen) // each leg its own clone
    expect(g.localMedia.screenSharing).toBe(true)
    expect(dev.live('camera')).toEqual([]) // the camera rests
    const before = dev.gum.length
    await g.stopScreenShare()
    expect(dev.live('screen')).toEqual([]) // the original too
    expect(dev.gum.length - before).toBe(1)
    expect(dev.live('camera')).toHaveLength(2)
    expect(g.localMedia).toMatchObject({ cameraOn: true, screenSharing: false })
  })

  it('with the main leg live it goes to every answered session, the main one included', async () => {
    const { dev, main, g, p2, p3 } = await threeOthers()
    await g.startScreenShare()
    expect([main, p2, p3].every((s) => s.screen !== null)).toBe(true)
    expect(dev.display).toBe(1)
    await g.stopScreenShare()
    expect(main.log.at(-1)).toBe('stop screen, camera true')
    expect(dev.live('camera')).toHaveLength(3)
    expect(dev.live('screen')).toEqual([])
  })

  it('the camera off stays off when sharing stops', async () => {
    const { dev, main, g, p2, p3 } = await threeOthers()
    mainLeaves(main)
    await g.setCameraOn(false)
    await g.startScreenShare()
    const before = dev.gum.length
    await g.stopScreenShare()
    expect([p2, p3].map((s) => s.log.at(-1))).toEqual(['stop screen, camera false', 'stop screen, camera false'])
    expect(dev.gum.length).toBe(before)
    expect(dev.all.filter((t) => t.readyState === 'live')).toEqual([])
  })

  it('a leg answered while sharing gets the screen (and opens no camera for it)', async () => {
    const { dev, main, g, join } = await threeOthers()
    mainLeaves(main)
    await g.startScreenShare()
    const before = dev.gum.length
    const p4 = await join('P4')
    expect(p4.log[0]).toBe('accept video=false')
    expect(p4.screen).not.toBeNull()
    expect(dev.gum.length).toBe(before)
    await g.stopScreenShare()
    expect(p4.log.at(-1)).toBe('stop screen, camera true') // it gets the camera as the others do
  })

  it('the browser ending the share stops it on every leg; a leg that left is skipped', async () => {
    const { dev, main, g, p2, p3 } = await threeOthers()
    mainLeaves(main)
    await g.startScreenShare()
    p3.to('ended')
    await flush()
    const original = dev.all.find((t) => t.label === 'screen')!
    original.end()
    await flush(30)
    expect(g.localMedia.screenSharing).toBe(false)
    expect(p2.screen).toBeNull()
    expect(p3.log.filter((l) => l.startsWith('stop screen'))).toEqual([])
    expect(dev.live('screen')).toEqual([])
  })

  it("a tile follows its person's flags as they arrive (a share they start shows at once)", async () => {
    const { g, p2, main } = await threeOthers()
    const seen: boolean[] = []
    g.events.on('change', (ps) => seen.push(ps.find((p) => p.peerId === 'P2')!.remoteMedia.screenSharing))
    p2.remoteMedia = { micOn: true, cameraOn: true, screenSharing: true }
    p2.fire(CallEvent.RemoteMedia, p2.remoteMedia)
    expect(seen.at(-1)).toBe(true)
    const n = seen.length
    main.fire(CallEvent.RemoteMedia, main.remoteMedia)
    expect(seen.length).toBe(n + 1)
  })

  it('the screen capture ends with the call (nobody left to share with)', async () => {
    const { dev, main, g, p2, p3 } = await threeOthers()
    await g.startScreenShare()
    mainLeaves(main)
    p2.to('ended')
    expect(dev.live('screen')).toHaveLength(2) // P3 still sees it: the original and its clone
    p3.to('ended')
    expect(dev.live('screen')).toEqual([])
    expect(g.localMedia.screenSharing).toBe(false)
  })

  it('a cancelled picker rejects with cancelled and shares nothing', async () => {
    const { dev, g, p2 } = await threeOthers()
    dev.getDisplayMedia = async () => {
      throw new DOMException('closed', 'NotAllowedError')
    }
    await expect(g.startScreenShare()).rejects.toMatchObject({ code: 'cancelled' })
    expect(p2.screen).toBeNull()
    expect(g.localMedia.screenSharing).toBe(false)
  })
})
