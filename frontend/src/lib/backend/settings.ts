/** The defaults of Settings, as Go's store has them. */
import type { Settings } from './types'

/** The settings a fresh install has (Go store.Defaults). */
export function defaultSettings(): Settings {
  return {
    displayName: '',
    signalingServers: [],
    iceServers: [],
    disableLanDiscovery: false,
    listenLanWithoutDiscovery: false,
    discoveryInterfaces: [],
    camera: '',
    microphone: '',
    speaker: '',
    ringTimeoutSeconds: 45,
    theme: 'system',
    quitOnClose: false,
  }
}
