import { Me } from '../../../wailsjs/go/app/Identity'

/**
 * Returns the app version from the Go side, or `null` when the page runs
 * outside the Wails window (plain browser, tests) and no binding exists.
 */
export async function appVersion(): Promise<string | null> {
  // The generated binding reads window.go synchronously and throws if absent.
  if (!('go' in window)) return null
  try {
    return (await Me()).version
  } catch {
    return null
  }
}
