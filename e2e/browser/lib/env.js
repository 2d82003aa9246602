// Where things are, what this machine can do, and the binaries under test.
// Environment variables (all optional):
//
//   PEERLINE_E2E_BIN=path         test this peerline (built with -tags webkit2_41)
//   PEERLINE_E2E_SIGNAL_BIN=path  test this peerline-signal
//   PEERLINE_E2E_NATS_BIN=path    use this nats-server (default: built from its Go module in go.mod)
//   PEERLINE_E2E_CHROMIUM=path    the browser (default /usr/bin/chromium)
//   PEERLINE_E2E_LOGS=1           copy every process's stderr and every page's console to stderr live
//   PEERLINE_E2E_ARTIFACTS=dir    where a failing test leaves screenshots and logs
//                                 (default: a temporary directory, printed)

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, accessSync, constants } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (e2e/browser/lib → ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export const chromiumPath = process.env.PEERLINE_E2E_CHROMIUM || '/usr/bin/chromium'

export const liveLogs = process.env.PEERLINE_E2E_LOGS === '1'

/**
 * Scratch space of this user's runs of this checkout: binaries are cached
 * here between test files. The checkout's path is part of the name so that
 * two work trees tested at once never run each other's builds.
 */
export const cacheDir = join(
  tmpdir(),
  `peerline-e2e-browser-${process.getuid?.() ?? 0}-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}`,
)

/**
 * Why these tests cannot run here ("" if they can). Like the Go e2e
 * harness: root for `ip netns add`, iproute2, and the browser.
 */
export function unavailable() {
  if (process.platform !== 'linux') return 'browser e2e tests need Linux network namespaces'
  if (process.getuid() !== 0) return 'browser e2e tests need root: they create network namespaces with `ip netns add` (CI runs them as root)'
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    return "browser e2e tests need iproute2's `ip` on PATH"
  }
  try {
    accessSync(chromiumPath, constants.X_OK)
  } catch {
    return `browser e2e tests need Chromium at ${chromiumPath} (apt-get install chromium, or scripts/install-deps.sh test)`
  }
  return ''
}

const built = {}

function goBuild(args) {
  try {
    execFileSync('go', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    throw new Error(`go ${args.join(' ')} (in ${repoRoot}) failed:\n${err.stderr || err.message}`)
  }
}

/**
 * A binary under test, "peerline", "peerline-signal" or "nats-server": the
 * environment's (PEERLINE_E2E_BIN, PEERLINE_E2E_SIGNAL_BIN,
 * PEERLINE_E2E_NATS_BIN), or built into cacheDir from the working tree on
 * first use (`go build` is incremental, so every test file asking again
 * costs a second or two). nats-server is built from its Go module, the
 * version go.mod pins, out of the module cache: no network once `go mod
 * download` has run. peerline embeds frontend/dist: build the frontend
 * first (`make frontend`).
 */
export function binary(name) {
  if (built[name]) return built[name]
  const env = { peerline: 'PEERLINE_E2E_BIN', 'peerline-signal': 'PEERLINE_E2E_SIGNAL_BIN', 'nats-server': 'PEERLINE_E2E_NATS_BIN' }[name]
  if (!env) throw new Error(`binary(${name})`)
  let path = process.env[env]
  if (!path) {
    path = join(cacheDir, 'bin', name)
    mkdirSync(dirname(path), { recursive: true })
    if (name === 'peerline') {
      if (!existsSync(join(repoRoot, 'frontend', 'dist', 'index.html'))) {
        throw new Error('frontend/dist is missing (peerline embeds it): run `make frontend` first')
      }
      goBuild(['build', '-tags', 'webkit2_41', '-o', path, '.'])
    } else if (name === 'nats-server') {
      goBuild(['build', '-o', path, 'github.com/nats-io/nats-server/v2'])
    } else {
      goBuild(['build', '-o', path, './signaling/cmd/peerline-signal'])
    }
  }
  built[name] = path
  return path
}
