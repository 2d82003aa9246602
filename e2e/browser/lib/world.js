// A test's little world: namespaces, peerline instances, signaling
// servers and browsers, all torn down when the test ends (or the process
// exits), with what went wrong kept when it fails.
//
//   scenario('a call', async (w) => {
//     const [a, b] = await w.lanPair()        // two hosts on a LAN, UIs open, each listing the other
//     await a.call(b.id)
//     …
//   })

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { binary, unavailable } from './env.js'
import { createLAN, destroyAll, Netns, sweepStale } from './netns.js'
import { Coturn, NatsServer, Peerline, SignalServer } from './processes.js'
import { launchIn, newPage } from './browser.js'
import { UI } from './ui.js'

const skipReason = unavailable()

let exitHooked = false
export function hookExit() {
  if (exitHooked) return
  exitHooked = true
  sweepStale()
  // Synchronous cleanup: whatever a test could not tear down goes with us.
  process.on('exit', destroyAll)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      destroyAll()
      process.exit(130)
    })
  }
}

let artifactsRoot = process.env.PEERLINE_E2E_ARTIFACTS || ''

function artifactsDir(name) {
  if (!artifactsRoot) artifactsRoot = mkdtempSync(join(tmpdir(), 'peerline-e2e-artifacts-'))
  const dir = join(artifactsRoot, name.replace(/[^a-z0-9]+/gi, '-').toLowerCase())
  mkdirSync(dir, { recursive: true })
  return dir
}

export class World {
  constructor(name) {
    this.name = name
    this.dir = mkdtempSync(join(tmpdir(), 'peerline-e2e-browser-'))
    this.instances = []
    this.servers = []
    this.browsers = []
    this.uis = []
    this.namespaces = []
    this.labels = 0
  }

  /** A namespace of its own (no LAN). */
  netns() {
    const n = Netns.create()
    this.namespaces.push(n)
    return n
  }

  /** n hosts on one LAN (see netns.createLAN). */
  lan(n) {
    const l = createLAN(n)
    this.namespaces.push(...l.all)
    return l
  }

  /** Starts peerline --headless in ns. */
  async peerline(ns, label, opts = {}) {
    const dir = join(this.dir, label)
    const p = new Peerline(ns, label, binary('peerline'), dir, opts)
    this.instances.push(p)
    return p.start()
  }

  /** Starts peerline-signal in ns, listening on listen, with more flags in extra. */
  async signal(ns, listen, extra = []) {
    const s = new SignalServer(ns, binary('peerline-signal'))
    this.servers.push(s)
    return s.start(listen, extra)
  }

  /** Starts nats-server in ns on addr:port (see processes.NatsServer). */
  async nats(ns, addr, port) {
    const s = new NatsServer(ns, binary('nats-server'))
    this.servers.push(s)
    return s.start(addr, port)
  }

  /** Starts coturn in ns (see processes.Coturn). */
  async coturn(ns, opts) {
    const s = new Coturn(ns, join(this.dir, `coturn-${this.servers.length}`))
    this.servers.push(s)
    return s.start(opts)
  }

  /** Launches Chromium in the instance's namespace and opens its UI. */
  async ui(instance) {
    const browser = await launchIn(instance.ns, this.dir)
    this.browsers.push(browser)
    const { page, log } = await newPage(browser, instance.label)
    const ui = new UI(instance.label, page, log)
    ui.instance = instance
    ui.browser = browser
    this.uis.push(ui)
    return ui.open(instance.url)
  }

  /**
   * Hosts on one LAN, a peerline and a UI on each, each UI listing every
   * other instance online. opts[i] are host i's peerline options.
   * @returns {Promise<UI[]>}
   */
  async lanGroup(n, opts = []) {
    const lan = this.lan(n)
    const labels = 'ABCDEFGH'
    const ins = await Promise.all(lan.hosts.map((h, i) => this.peerline(h, labels[i], opts[i] ?? {})))
    const uis = await Promise.all(ins.map((p) => this.ui(p)))
    for (const u of uis) for (const o of uis) if (u !== o) await u.waitPeer(o.id, true)
    this.lanInfo = lan
    return uis
  }

  /** Two hosts on a LAN; see lanGroup. */
  lanPair(optsA = {}, optsB = {}) {
    return this.lanGroup(2, [optsA, optsB])
  }

  /** Writes what a failure needs to be understood: screenshots, page consoles, process logs. */
  async dump(err) {
    const dir = artifactsDir(this.name)
    const report = [`${this.name}: ${err?.stack || err}`, '']
    for (const ui of this.uis) {
      try {
        if (!ui.page.isClosed()) await ui.page.screenshot({ path: join(dir, `${ui.label}.png`), timeout: 5_000 })
      } catch {
        // the page or its browser is gone
      }
      report.push(`--- ${ui.label} page (call states since mark: ${JSON.stringify(await ui.states().catch(() => '?'))})`, ...ui.log.slice(-80), '')
    }
    for (const p of this.instances) report.push(`--- ${p.label} peerline stderr`, p.stderr.tail(300), '')
    for (const s of this.servers) report.push(`--- ${s.name} output`, s.stderr.tail(60), '')
    writeFileSync(join(dir, 'report.txt'), report.join('\n'))
    return dir
  }

  /** Tears everything down. Never throws. */
  async close() {
    await Promise.all(this.browsers.map((b) => b.close().catch(() => {})))
    await Promise.all([...this.instances, ...this.servers].map((p) => p.stop().catch(() => {})))
    for (const n of this.namespaces) n.destroy()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * A node:test test with a World. Skipped (with the reason) where
 * namespaces or the browser are not available; on failure the world's
 * screenshots and logs are written to an artifacts directory, named in
 * the error.
 */
export function scenario(name, fn, { timeout = 120_000 } = {}) {
  test(name, { skip: skipReason || false, timeout }, async (t) => {
    hookExit()
    const w = new World(name)
    try {
      await fn(w, t)
    } catch (err) {
      const dir = await w.dump(err).catch(() => '(could not write artifacts)')
      err.message += `\n(screenshots and logs: ${dir})`
      throw err
    } finally {
      await w.close()
    }
  })
}
