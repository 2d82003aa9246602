/**
 * How the app gets someone's attention: the ringtone, the ringback, and a
 * desktop notification for an incoming call when the window is not in
 * front. CallState drives an Alerts; tests pass a fake.
 */
import { RINGBACK, RINGTONE, TonePlayer } from './tones'

export interface IncomingAlert {
  name: string
  video: boolean
  verified: boolean
}

export interface Alerts {
  /** Incoming call: ring, and notify when the window is not focused. */
  incoming(call: IncomingAlert): void
  /** Our call rings at the other end: a soft ringback. */
  ringback(): void
  /** Silence, and close the notification. */
  stop(): void
}

/** An Alerts that does nothing (tests, or when sound is unwanted). */
export const silentAlerts: Alerts = { incoming() {}, ringback() {}, stop() {} }

type NotificationCtor = typeof Notification

/** The browser's WebAudio tones and Notification API. */
export class BrowserAlerts implements Alerts {
  private readonly tones = new TonePlayer()
  private notification: Notification | null = null

  incoming(call: IncomingAlert): void {
    this.tones.play(RINGTONE)
    if (!windowInBackground()) return
    void this.notify(call)
  }

  ringback(): void {
    this.tones.play(RINGBACK)
  }

  stop(): void {
    this.tones.stop()
    this.notification?.close()
    this.notification = null
  }

  private async notify(call: IncomingAlert): Promise<void> {
    const N = (globalThis as { Notification?: NotificationCtor }).Notification
    if (!N) return
    // Ask on the first incoming call, not at start-up.
    if (N.permission === 'default') {
      try {
        await N.requestPermission()
      } catch {
        return
      }
    }
    if (N.permission !== 'granted') return
    const kind = call.video ? 'Video call' : 'Voice call'
    try {
      const n = new N(`${call.name} is calling`, {
        body: `${kind}${call.verified ? '' : ' · not verified'} — open Peerline to answer.`,
        tag: 'peerline-incoming',
        requireInteraction: true,
        silent: true, // the app rings itself
      })
      n.onclick = () => {
        globalThis.focus?.()
        n.close()
      }
      this.notification?.close()
      this.notification = n
    } catch {
      // Some webviews have the constructor but refuse to show anything.
    }
  }
}

/** Whether the app window is hidden or not focused. */
export function windowInBackground(): boolean {
  const d = (globalThis as { document?: Document }).document
  if (!d) return false
  return d.hidden || (typeof d.hasFocus === 'function' && !d.hasFocus())
}
