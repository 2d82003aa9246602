import { WailsBackend, inWails } from './wailsBackend'

/**
 * Returns the app version from the Go side, or `null` when the page runs
 * outside the Wails window (plain browser, tests) and no binding exists.
 */
export async function appVersion(): Promise<string | null> {
  if (!inWails()) return null
  try {
    return (await new WailsBackend().identity.me()).version
  } catch {
    return null
  }
}
