/** Cameras, microphones and speakers, and changes to them. */

export const DeviceKind = {
  Camera: 'camera',
  Microphone: 'microphone',
  Speaker: 'speaker',
} as const
/** One of DeviceKind's values. */
export type DeviceKind = (typeof DeviceKind)[keyof typeof DeviceKind]

export interface Device {
  kind: DeviceKind
  /** MediaDeviceInfo.deviceId; what Settings.camera/microphone/speaker store. */
  id: string
  /** A label; "" until the user granted media access, so we name it "Camera 1" etc. then. */
  label: string
  /** The system default device of its kind. */
  isDefault: boolean
}

export interface DeviceList {
  cameras: Device[]
  microphones: Device[]
  speakers: Device[]
}

/** The parts of MediaDevices used here. */
export interface DeviceSource {
  enumerateDevices(): Promise<MediaDeviceInfo[]>
  addEventListener(type: 'devicechange', listener: () => void): void
  removeEventListener(type: 'devicechange', listener: () => void): void
}

function browserDevices(): DeviceSource | null {
  return (globalThis as { navigator?: Navigator }).navigator?.mediaDevices ?? null
}

const kinds: Record<MediaDeviceKind, DeviceKind> = { videoinput: 'camera', audioinput: 'microphone', audiooutput: 'speaker' }
const fallbackNames: Record<DeviceKind, string> = { camera: 'Camera', microphone: 'Microphone', speaker: 'Speaker' }

/** Sorts raw MediaDeviceInfo into kinds, labelled, without duplicates. */
export function groupDevices(infos: readonly MediaDeviceInfo[]): DeviceList {
  const out: DeviceList = { cameras: [], microphones: [], speakers: [] }
  const lists: Record<DeviceKind, Device[]> = { camera: out.cameras, microphone: out.microphones, speaker: out.speakers }
  const seen = new Set<string>()
  for (const info of infos) {
    const kind = kinds[info.kind]
    if (!kind) continue
    const key = `${kind}/${info.deviceId}`
    // Chromium lists "default" and "communications" entries besides the
    // real devices; keep the "default" one (it follows the system choice).
    if (info.deviceId === 'communications' || seen.has(key)) continue
    seen.add(key)
    const list = lists[kind]
    const isDefault = info.deviceId === 'default' || info.deviceId === ''
    const label = info.label || `${fallbackNames[kind]} ${list.length + 1}`
    list.push({ kind, id: info.deviceId, label, isDefault })
  }
  return out
}

/** Lists the devices. Labels are empty until media access was granted once. */
export async function listDevices(source: DeviceSource | null = browserDevices()): Promise<DeviceList> {
  if (!source) return { cameras: [], microphones: [], speakers: [] }
  return groupDevices(await source.enumerateDevices())
}

/**
 * Calls handler with the fresh list now and after every devicechange
 * (plugging, unplugging, permission granted). Returns the unsubscribe
 * function.
 */
export function watchDevices(handler: (devices: DeviceList) => void, source: DeviceSource | null = browserDevices()): () => void {
  if (!source) {
    handler({ cameras: [], microphones: [], speakers: [] })
    return () => {}
  }
  let stopped = false
  let seq = 0
  const refresh = () => {
    const mine = ++seq
    listDevices(source).then(
      (list) => {
        if (!stopped && mine === seq) handler(list)
      },
      (err) => console.warn('media: enumerateDevices failed', err),
    )
  }
  source.addEventListener('devicechange', refresh)
  refresh()
  return () => {
    stopped = true
    source.removeEventListener('devicechange', refresh)
  }
}

/** Whether speaker choice works here (HTMLMediaElement.setSinkId). */
export function canChooseSpeaker(): boolean {
  const E = (globalThis as { HTMLMediaElement?: typeof HTMLMediaElement }).HTMLMediaElement
  return !!E && 'setSinkId' in E.prototype
}

/** An element that can play to a chosen output device. */
export interface SinkElement {
  setSinkId?(id: string): Promise<void>
}

/**
 * Plays element on the speaker deviceId ("" = system default). Resolves
 * false where choosing is unsupported (Safari/WebKit before 2024); rejects
 * with the browser's error when the device is gone.
 */
export async function setSink(element: SinkElement, deviceId: string): Promise<boolean> {
  if (typeof element.setSinkId !== 'function') return false
  await element.setSinkId(deviceId)
  return true
}
