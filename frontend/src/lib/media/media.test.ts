import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  LevelMeter,
  MediaError,
  audioConstraints,
  callConstraints,
  captureMedia,
  captureScreen,
  groupDevices,
  levelOf,
  mediaError,
  setSink,
  stopStream,
  videoConstraints,
  watchDevices,
  type AnalyserLike,
  type AudioContextLike,
  type DeviceSource,
} from './index'

const domError = (name: string) => new DOMException('x', name)

afterEach(() => {
  vi.useRealTimers()
})

describe('mediaError', () => {
  it.each([
    ['NotAllowedError', 'permission_denied'],
    ['SecurityError', 'permission_denied'],
    ['PermissionDeniedError', 'permission_denied'],
    ['NotFoundError', 'no_devices'],
    ['DevicesNotFoundError', 'no_devices'],
    ['OverconstrainedError', 'no_devices'],
    ['NotReadableError', 'device_in_use'],
    ['TrackStartError', 'device_in_use'],
    ['AbortError', 'device_in_use'],
    ['TypeError', 'unsupported'],
    ['SomethingNew', 'device_in_use'],
  ])('%s → %s', (name, code) => {
    const e = mediaError(domError(name))
    expect(e).toBeInstanceOf(MediaError)
    expect(e.code).toBe(code)
    expect(e.cause).toBeInstanceOf(DOMException)
  })

  it('words screen capture apart: NotAllowedError is the picker closed', () => {
    expect(mediaError(domError('NotAllowedError'), true).code).toBe('cancelled')
    expect(mediaError(domError('NotReadableError'), true).message).toBe('Your screen could not be captured.')
  })

  it('messages are sentences for people', () => {
    for (const code of ['no_devices', 'permission_denied', 'device_in_use', 'unsupported', 'cancelled'] as const) {
      expect(new MediaError(code).message).toMatch(/^[A-Z].*\.$/)
    }
  })
})

describe('constraints', () => {
  it('turns sound processing on and asks for 720p', () => {
    expect(audioConstraints()).toEqual({ echoCancellation: true, noiseSuppression: true, autoGainControl: true })
    expect(videoConstraints()).toEqual({ width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } })
  })

  it('asks for a saved device as ideal and a picked one as exact', () => {
    expect(audioConstraints('mic1').deviceId).toEqual({ ideal: 'mic1' })
    expect(videoConstraints({ id: 'cam1', mode: 'exact' }).deviceId).toEqual({ exact: 'cam1' })
    expect(videoConstraints('').deviceId).toBeUndefined()
  })

  it('builds call constraints', () => {
    expect(callConstraints({ audio: true, video: false })).toEqual({ audio: audioConstraints(), video: false })
  })
})

describe('captureMedia / captureScreen', () => {
  it('passes the call constraints and maps failures', async () => {
    const getUserMedia = vi.fn(async () => ({ getTracks: () => [] }) as unknown as MediaStream)
    await captureMedia({ audio: true, video: true, camera: 'c' }, { getUserMedia })
    expect(getUserMedia).toHaveBeenCalledWith({ audio: audioConstraints(), video: videoConstraints('c') })
    const failing = { getUserMedia: async () => Promise.reject(domError('NotAllowedError')) }
    await expect(captureMedia({ audio: true, video: false }, failing)).rejects.toMatchObject({ code: 'permission_denied' })
    await expect(captureMedia({ audio: true, video: false }, null)).rejects.toMatchObject({ code: 'unsupported' })
  })

  it('marks screen tracks as detail and maps a closed picker to cancelled', async () => {
    const track = { contentHint: '', kind: 'video' }
    const stream = { getVideoTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream
    const src = { getUserMedia: vi.fn(), getDisplayMedia: vi.fn(async () => stream) }
    await expect(captureScreen(src)).resolves.toBe(stream)
    expect(track.contentHint).toBe('detail')
    expect(src.getDisplayMedia).toHaveBeenCalledWith({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false })
    src.getDisplayMedia.mockRejectedValueOnce(domError('NotAllowedError'))
    await expect(captureScreen(src)).rejects.toMatchObject({ code: 'cancelled' })
    await expect(captureScreen({ getUserMedia: vi.fn() })).rejects.toMatchObject({ code: 'unsupported' })
  })

  it('stopStream stops every track', () => {
    const tracks = [{ stop: vi.fn() }, { stop: vi.fn() }]
    stopStream({ getTracks: () => tracks } as unknown as MediaStream)
    stopStream(null)
    for (const t of tracks) expect(t.stop).toHaveBeenCalledOnce()
  })
})

const info = (kind: MediaDeviceKind, deviceId: string, label = ''): MediaDeviceInfo =>
  ({ kind, deviceId, label, groupId: 'g', toJSON: () => ({}) }) as MediaDeviceInfo

describe('devices', () => {
  it('groups by kind, names unlabelled devices and drops duplicates', () => {
    const list = groupDevices([
      info('audioinput', 'default', 'Default - Built-in'),
      info('audioinput', 'communications', 'Communications'),
      info('audioinput', 'm1', 'Built-in'),
      info('videoinput', 'c1'),
      info('videoinput', 'c2'),
      info('videoinput', 'c2'),
      info('audiooutput', 's1', 'Speakers'),
    ])
    expect(list.microphones.map((d) => [d.id, d.label, d.isDefault])).toEqual([
      ['default', 'Default - Built-in', true],
      ['m1', 'Built-in', false],
    ])
    expect(list.cameras.map((d) => d.label)).toEqual(['Camera 1', 'Camera 2'])
    expect(list.speakers).toEqual([{ kind: 'speaker', id: 's1', label: 'Speakers', isDefault: false }])
  })

  it('watches devicechange until unsubscribed', async () => {
    let listener: (() => void) | null = null
    let devices = [info('videoinput', 'c1')]
    const src: DeviceSource = {
      enumerateDevices: async () => devices,
      addEventListener: (_t, l) => (listener = l),
      removeEventListener: () => (listener = null),
    }
    const seen: number[] = []
    const off = watchDevices((l) => seen.push(l.cameras.length), src)
    await new Promise((r) => setTimeout(r, 0))
    devices = [info('videoinput', 'c1'), info('videoinput', 'c2')]
    listener!()
    await new Promise((r) => setTimeout(r, 0))
    off()
    expect(listener).toBeNull()
    expect(seen).toEqual([1, 2])
  })

  it('setSink says whether the element can choose', async () => {
    const el = { setSinkId: vi.fn(async () => {}) }
    await expect(setSink(el, 's1')).resolves.toBe(true)
    expect(el.setSinkId).toHaveBeenCalledWith('s1')
    await expect(setSink({}, 's1')).resolves.toBe(false)
  })
})

describe('level meter', () => {
  it('levelOf: silence is 0, full scale is 1, speech in between', () => {
    expect(levelOf(new Float32Array(128))).toBe(0)
    expect(levelOf(new Float32Array(128).fill(1))).toBe(1)
    const speech = levelOf(Float32Array.from({ length: 128 }, (_, i) => 0.05 * Math.sin(i)))
    expect(speech).toBeGreaterThan(0.3)
    expect(speech).toBeLessThan(0.8)
  })

  it('reads an analyser on the stream and frees the context on close', () => {
    vi.useFakeTimers()
    let amplitude = 0.5
    const analyser: AnalyserLike = { fftSize: 0, smoothingTimeConstant: 0, getFloatTimeDomainData: (a) => a.fill(amplitude) }
    const source = { connect: vi.fn(), disconnect: vi.fn() }
    const ctx: AudioContextLike = {
      createAnalyser: () => analyser,
      createMediaStreamSource: () => source,
      close: vi.fn(async () => {}),
      resume: vi.fn(async () => {}),
      state: 'suspended',
    }
    const meter = new LevelMeter({} as MediaStream, { createContext: () => ctx })
    expect(source.connect).toHaveBeenCalledWith(analyser)
    expect(ctx.resume).toHaveBeenCalled()
    expect(meter.read()).toBeCloseTo(levelOf([0.5]))
    const levels: number[] = []
    const stop = meter.watch((l) => levels.push(l), 50)
    vi.advanceTimersByTime(100)
    amplitude = 0
    vi.advanceTimersByTime(50)
    stop()
    vi.advanceTimersByTime(100)
    expect(levels).toHaveLength(3)
    expect(levels[2]).toBe(0)
    meter.close()
    meter.close()
    expect(ctx.close).toHaveBeenCalledOnce()
    expect(source.disconnect).toHaveBeenCalledOnce()
    expect(meter.read()).toBe(0)
  })
})
