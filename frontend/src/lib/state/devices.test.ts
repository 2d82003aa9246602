import { describe, expect, test } from 'vitest'
import { DevicesState, type Meter } from './devices.svelte'
import { flush } from './fakes'

function info(kind: MediaDeviceKind, deviceId: string, label = ''): MediaDeviceInfo {
  return { kind, deviceId, label, groupId: '', toJSON: () => ({}) } as MediaDeviceInfo
}

function track(kind: 'audio' | 'video') {
  return { kind, stopped: false, stop() { this.stopped = true } }
}

function fakeStream(video: boolean) {
  const tracks = [track('audio'), ...(video ? [track('video')] : [])]
  return {
    tracks,
    getTracks: () => tracks,
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
  } as unknown as MediaStream & { tracks: ReturnType<typeof track>[] }
}

function env(opts: { fail?: string } = {}) {
  const asked: MediaStreamConstraints[] = []
  let listener: (() => void) | null = null
  let infos = [info('videoinput', 'cam1', 'Front camera'), info('audioinput', 'default', ''), info('audiooutput', 'spk1', 'Speakers')]
  const meters: { closed: boolean; emit: (l: number) => void }[] = []
  return {
    asked,
    meters,
    plug(next: MediaDeviceInfo[]) {
      infos = next
      listener?.()
    },
    env: {
      speakerChoice: true,
      devices: {
        enumerateDevices: async () => infos,
        addEventListener: (_: 'devicechange', l: () => void) => (listener = l),
        removeEventListener: () => (listener = null),
      },
      media: {
        getUserMedia: async (c: MediaStreamConstraints) => {
          asked.push(c)
          if (opts.fail) throw Object.assign(new Error(opts.fail), { name: opts.fail })
          return fakeStream(!!c.video)
        },
      },
      meter: (): Meter => {
        const m = { closed: false, emit: (_l: number) => {} }
        meters.push(m)
        return {
          watch(h: (l: number) => void) {
            m.emit = h
            return () => {}
          },
          close() {
            m.closed = true
          },
        }
      },
    },
  }
}

describe('DevicesState', () => {
  test('lists devices and follows changes', async () => {
    const e = env()
    const d = new DevicesState(e.env)
    d.watch()
    await flush()
    expect(d.cameras.map((c) => c.label)).toEqual(['Front camera'])
    expect(d.microphones.map((c) => c.label)).toEqual(['Microphone 1'])
    expect(d.labelled).toBe(true)
    expect(d.label('speaker', 'spk1')).toBe('Speakers')
    expect(d.label('speaker', '')).toBe('System default')
    e.plug([info('audioinput', 'mic2', 'Headset')])
    await flush()
    expect(d.cameras).toEqual([])
    expect(d.microphones.map((c) => c.label)).toEqual(['Headset'])
    d.dispose()
  })

  test('preview opens the chosen devices, meters the mic and frees everything on stop', async () => {
    const e = env()
    const d = new DevicesState(e.env)
    await d.startPreview({ camera: 'cam1', microphone: '', video: true })
    expect(d.preview).not.toBeNull()
    expect((e.asked[0].video as MediaTrackConstraints).deviceId).toEqual({ ideal: 'cam1' })
    e.meters[0].emit(0.5)
    expect(d.level).toBe(0.5)
    const stream = d.preview as unknown as { tracks: { stopped: boolean }[] }
    d.stopPreview()
    expect(stream.tracks.every((t) => t.stopped)).toBe(true)
    expect(e.meters[0].closed).toBe(true)
    expect(d.preview).toBeNull()
    expect(d.level).toBe(0)
  })

  test('a denied camera reads as a human message', async () => {
    const e = env({ fail: 'NotAllowedError' })
    const d = new DevicesState(e.env)
    await d.startPreview({ camera: '', microphone: '', video: true })
    expect(d.previewError).toMatch(/not allowed to use your camera or microphone/)
    expect(d.starting).toBe(false)
  })

  test('no camera at all', async () => {
    const e = env({ fail: 'NotFoundError' })
    const d = new DevicesState(e.env)
    await d.startPreview({ camera: '', microphone: '', video: true })
    expect(d.previewError).toMatch(/No camera or microphone was found/)
  })
})
