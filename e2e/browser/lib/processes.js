// The processes under test: `peerline --headless` and `peerline-signal`,
// each run in a namespace with `ip netns exec`, their stderr kept (and
// shown when a test fails), killed when the test ends.

import { execFileSync } from 'node:child_process'
import { mkdirSync, readlinkSync } from 'node:fs'
import { basename, join } from 'node:path'
import { createInterface } from 'node:readline'
import { liveLogs } from './env.js'

/** exec → "ui:" line (a shared 2-core machine: generous). */
const readyTimeoutMs = 15_000
/** SIGTERM → exit. */
const quitTimeoutMs = 10_000

/** The last lines of a process's output, for failure reports. */
class LineLog {
  constructor(prefix) {
    this.prefix = prefix
    this.lines = []
  }
  push(line) {
    this.lines.push(line)
    if (this.lines.length > 2000) this.lines.splice(0, 1000)
    if (liveLogs) process.stderr.write(`${this.prefix}${line}\n`)
  }
  tail(n = 60) {
    return this.lines
      .slice(-n)
      .map((l) => `  ${this.prefix}${l}`)
      .join('\n')
  }
}

/** Resolves when child exits (immediately if it has). */
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((r) => child.once('exit', () => r()))
}

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
    }),
  ])
}

/**
 * One `peerline --headless` in a namespace.
 *
 * Options: name (--name, default the label), ringTimeout ("3s"),
 * signalURL, noDiscovery, extra (more flags), env (more environment).
 */
export class Peerline {
  /**
   * @param {import('./netns.js').Netns} ns
   * @param {string} label short name for logs: "A", "B"…
   * @param {string} bin
   * @param {string} dir scratch directory (data dir and HOME go inside)
   */
  constructor(ns, label, bin, dir, opts = {}) {
    this.ns = ns
    this.label = label
    this.bin = bin
    this.opts = { name: label, ...opts }
    this.dataDir = join(dir, 'data')
    this.home = join(dir, 'home')
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 })
    mkdirSync(this.home, { recursive: true, mode: 0o700 })
    this.stderr = new LineLog(`${label}: `)
    this.stdout = []
    this.url = ''
    this.pid = 0
    this.child = null
  }

  args() {
    const o = this.opts
    const a = ['--headless', '--data-dir', this.dataDir, '--name', o.name, '--ui-addr', '127.0.0.1:0']
    if (o.ringTimeout) a.push('--ring-timeout', o.ringTimeout)
    if (o.signalURL) a.push('--signal-url', o.signalURL)
    if (o.noDiscovery) a.push('--no-discovery')
    return a.concat(o.extra ?? [])
  }

  /** Starts the process and waits for its `ui: URL` line. */
  async start() {
    this.stdout = [] // per run: a restart waits for its own ui line
    const child = this.ns.spawn(this.bin, this.args(), {
      // No DISPLAY, WAYLAND_DISPLAY or BROWSER: headless must need none.
      env: {
        PATH: process.env.PATH,
        HOME: this.home,
        XDG_CONFIG_HOME: join(this.home, '.config'),
        XDG_DATA_HOME: join(this.home, '.local', 'share'),
        XDG_CACHE_HOME: join(this.home, '.cache'),
        LANG: 'C.UTF-8',
        ...this.opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a Ctrl-C to the test run reaches it through our cleanup only
    })
    this.child = child
    this.pid = child.pid
    this.started = Date.now()
    createInterface({ input: child.stderr }).on('line', (l) => this.stderr.push(l))
    const first = new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => {
        this.stdout.push(l)
        if (this.stdout.length === 1) resolve(l)
      })
      child.once('exit', (code, sig) => reject(new Error(`${this.label}: exited (${code ?? sig}) before printing the ui line; stderr:\n${this.stderr.tail(40)}`)))
      child.once('error', reject)
    })
    const line = await withTimeout(first, readyTimeoutMs, `${this.label}: ui line`).catch((err) => {
      throw new Error(`${err.message}\nstderr:\n${this.stderr.tail(40)}`)
    })
    const m = /^ui: (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)$/.exec(line)
    if (!m) throw new Error(`${this.label}: first stdout line is ${JSON.stringify(line)}, want "ui: http://127.0.0.1:PORT/#token=TOKEN"`)
    this.url = m[1]
    this.ready = Date.now() - this.started
    // ip netns exec execs peerline in place: signals to this pid reach it.
    const exe = readlinkSync(`/proc/${this.pid}/exe`)
    if (basename(exe) !== basename(this.bin)) throw new Error(`${this.label}: pid ${this.pid} is ${exe}, not peerline`)
    return this
  }

  get running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null
  }

  /** SIGKILL, and wait for it to be gone. */
  async kill9() {
    if (!this.running) return
    process.kill(this.pid, 'SIGKILL')
    await exited(this.child)
  }

  /** SIGTERM (closing the app); resolves with the exit code. */
  async quit() {
    if (!this.running) return this.child?.exitCode
    process.kill(this.pid, 'SIGTERM')
    await withTimeout(exited(this.child), quitTimeoutMs, `${this.label}: exit after SIGTERM`)
    return this.child.exitCode
  }

  /** Kills it if it still runs. */
  async stop() {
    await this.kill9()
  }
}

/** A peerline-signal process in a namespace. */
export class SignalServer {
  constructor(ns, bin) {
    this.ns = ns
    this.bin = bin
    this.name = 'peerline-signal'
    this.stderr = new LineLog('signal: ')
    this.addr = ''
    this.url = ''
  }

  /** The server's unlabelled Prometheus samples, read from inside its namespace. */
  metrics() {
    const script = `fetch(${JSON.stringify(`http://${this.addr}/metrics`)}).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(e); process.exit(1) })`
    const text = execFileSync('ip', ['netns', 'exec', this.ns.name, process.execPath, '-e', script], { encoding: 'utf8' })
    const out = {}
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.includes('{')) continue
      const [name, value] = line.split(' ')
      if (name && value !== undefined) out[name] = Number(value)
    }
    return out
  }

  /** Waits until n clients are connected (authenticated) to the server. */
  async waitConnections(n, timeout = 30_000) {
    const deadline = Date.now() + timeout
    let have = 0
    while ((have = this.metrics().peerline_signal_connections ?? 0) < n) {
      if (Date.now() > deadline) throw new Error(`only ${have} of ${n} clients connected to peerline-signal within ${timeout} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /**
   * Starts `peerline-signal --listen listen [extra…]` and waits for its
   * "listening on ADDR" line. A restart (start again after kill9) reuses
   * the arguments when none are given.
   */
  async start(listen = this.listen, extra = this.extra ?? []) {
    this.listen = listen
    this.extra = extra
    const child = this.ns.spawn(this.bin, ['--listen', listen, ...extra], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    this.child = child
    this.pid = child.pid
    createInterface({ input: child.stderr }).on('line', (l) => this.stderr.push(l))
    const addr = new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => {
        const m = /^listening on (\S+)$/.exec(l)
        if (m) resolve(m[1])
      })
      child.once('exit', (code, sig) => reject(new Error(`peerline-signal exited (${code ?? sig}) without listening; stderr:\n${this.stderr.tail(40)}`)))
    })
    this.addr = await withTimeout(addr, readyTimeoutMs, 'peerline-signal: listening line')
    this.url = `ws://${this.addr}/v1/signal`
    return this
  }

  /**
   * Polls the unlabelled metric name until ok(value) holds; returns the
   * value. A missing metric reads as undefined.
   */
  async waitMetric(name, ok, what, timeout = 30_000) {
    const deadline = Date.now() + timeout
    for (;;) {
      const v = this.metrics()[name]
      if (ok(v)) return v
      if (Date.now() > deadline) throw new Error(`${this.name} ${this.addr}: ${name} is ${v} after ${timeout} ms; want ${what}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** SIGKILL: the server lost without a goodbye. Start() brings it back on the same address. */
  async kill9() {
    await this.stop()
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(this.pid, 'SIGKILL')
      await exited(this.child)
    }
  }
}

/** nats-server (built from its Go module) in a namespace, on addr:port. */
export class NatsServer {
  constructor(ns, bin) {
    this.ns = ns
    this.bin = bin
    this.name = 'nats-server'
    this.stderr = new LineLog('nats: ')
    this.url = ''
  }

  /** Starts it and waits for its "Server is ready" line. */
  async start(addr, port = 4222) {
    const child = this.ns.spawn(this.bin, ['-a', addr, '-p', String(port)], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    this.child = child
    this.pid = child.pid
    createInterface({ input: child.stdout }).on('line', (l) => this.stderr.push(l))
    const ready = new Promise((resolve, reject) => {
      createInterface({ input: child.stderr }).on('line', (l) => {
        this.stderr.push(l)
        if (/Server is ready/.test(l)) resolve()
      })
      child.once('exit', (code, sig) => reject(new Error(`nats-server exited (${code ?? sig}) before it was ready; log:\n${this.stderr.tail(40)}`)))
      child.once('error', reject)
    })
    await withTimeout(ready, readyTimeoutMs, 'nats-server: ready line')
    this.url = `nats://${addr}:${port}`
    return this
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(this.pid, 'SIGKILL')
      await exited(this.child)
    }
  }
}

/**
 * coturn's turnserver in a namespace: TURN on UDP and TCP at addr:3478,
 * credentials in the REST-API form (use-auth-secret) from secret, relay
 * ports minPort-maxPort on addr. Its log (stdout) is kept like stderr.
 */
export class Coturn {
  constructor(ns, dir) {
    this.ns = ns
    this.dir = dir
    this.name = 'turnserver'
    this.stderr = new LineLog('coturn: ')
    mkdirSync(dir, { recursive: true })
  }

  /** Starts it and waits until both its UDP and its TCP listener are open. */
  async start({ addr, secret, port = 3478, minPort = 49152, maxPort = 49999, allowedPeers = [] }) {
    const args = [
      '-n', // no config file
      '-v', // the "listener opened" lines are verbose
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--listening-ip', addr,
      '--relay-ip', addr,
      '--listening-port', String(port),
      '--min-port', String(minPort),
      '--max-port', String(maxPort),
      '--use-auth-secret',
      '--static-auth-secret', secret,
      '--realm', 'peerline.test',
      '--fingerprint',
      '--log-file', 'stdout',
      '--simple-log',
      '--userdb', join(this.dir, 'turndb'),
      '--pidfile', join(this.dir, 'turnserver.pid'),
      ...allowedPeers.flatMap((r) => ['--allowed-peer-ip', r]),
    ]
    const child = this.ns.spawn('turnserver', args, { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    this.child = child
    this.pid = child.pid
    createInterface({ input: child.stderr }).on('line', (l) => this.stderr.push(l))
    const open = new Promise((resolve, reject) => {
      const want = new Set(['UDP', 'TCP'])
      createInterface({ input: child.stdout }).on('line', (l) => {
        this.stderr.push(l)
        const m = /IPv4\. (UDP|TCP) listener opened on ?: ?(\S+)/.exec(l)
        if (m && m[2] === `${addr}:${port}`) want.delete(m[1])
        if (want.size === 0) resolve()
      })
      child.once('exit', (code, sig) => reject(new Error(`turnserver exited (${code ?? sig}) before listening; log:\n${this.stderr.tail(40)}`)))
      child.once('error', reject)
    })
    await withTimeout(open, readyTimeoutMs, 'turnserver: listener lines')
    this.urls = [`turn:${addr}:${port}?transport=udp`, `turn:${addr}:${port}?transport=tcp`]
    return this
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(this.pid, 'SIGKILL')
      await exited(this.child)
    }
  }
}
