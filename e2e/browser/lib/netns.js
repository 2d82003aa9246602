// Named network namespaces joined into small LANs, as in the Go e2e
// harness (e2e/netns_test.go). Every namespace made here is named
// plbr-<pid>-<n>; it is deleted (after every process in it is killed) when
// its test ends, when this process exits, and, if a crash skipped both,
// by the next run (sweepStale). No test traffic leaves these namespaces:
// each instance's UI and its browser share the namespace's own loopback,
// and the LAN is veth pairs between namespaces.

import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'

/** Starts the name of every namespace this harness makes (the Go harness uses ple2e). */
export const nsPrefix = 'plbr'

/** The LAN interface in every host namespace. */
export const lanIface = 'veth0'

const nsDir = '/run/netns'
let nsCounter = 0
let lanCounter = 0
/** Namespaces alive now: deleted on process exit if their test could not. */
const live = new Set()

function ip(...args) {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr || err.message).trim()}`)
  }
}

/** One named network namespace: a "machine" of the test. */
export class Netns {
  /** @param {string} name */
  constructor(name) {
    this.name = name
    /** IPv4 address on lanIface once on a LAN. */
    this.addr = ''
  }

  /** Makes a namespace: loopback up and multicast-capable (mDNS), IPv6 DAD off. */
  static create() {
    const n = new Netns(`${nsPrefix}-${process.pid}-${++nsCounter}`)
    ip('netns', 'add', n.name)
    live.add(n)
    n.run('sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0')
    n.ip('link', 'set', 'lo', 'up', 'multicast', 'on')
    return n
  }

  /** `ip -n NS args…` */
  ip(...args) {
    return ip('-n', this.name, ...args)
  }

  /** Runs a command inside the namespace and returns its stdout; throws on failure. */
  run(cmd, ...args) {
    try {
      return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (err) {
      throw new Error(`in ${this.name}: ${cmd} ${args.join(' ')}: ${(err.stderr || err.message).trim()}`)
    }
  }

  /**
   * Spawns a command inside the namespace. `ip netns exec` execs it in
   * place, so the child's pid is the command's own.
   */
  spawn(cmd, args, options = {}) {
    return spawn('ip', ['netns', 'exec', this.name, cmd, ...args], options)
  }

  /** The pids of every process in the namespace. */
  pids() {
    return pidsIn(this.name)
  }

  /** SIGKILLs every process in the namespace (a machine losing power). */
  killAll() {
    killAllIn(this.name)
  }

  /** Kills what still runs in it and deletes it. Safe to call twice. */
  destroy() {
    if (!live.has(this)) return
    live.delete(this)
    killAllIn(this.name)
    try {
      ip('netns', 'del', this.name)
    } catch (err) {
      // A process that was just killed may still hold the namespace for a moment.
      killAllIn(this.name)
      try {
        ip('netns', 'del', this.name)
      } catch {
        process.stderr.write(`cleanup: ${err.message}\n`)
      }
    }
  }

  toString() {
    return this.name
  }
}

function pidsIn(name) {
  let out = ''
  try {
    out = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return []
  }
  return out
    .split(/\s+/)
    .map(Number)
    .filter((p) => p > 1 && p !== process.pid)
}

function killAllIn(name) {
  for (const pid of pidsIn(name)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/**
 * n host namespaces on one Ethernet segment: a veth pair for two, a Linux
 * bridge in a separate "switch" namespace for more. Host i gets
 * 10.98.<subnet>.<i+1>/24 on lanIface (10.99 is the Go harness's).
 * @returns {{hosts: Netns[], switch: Netns|null, subnet: number, all: Netns[]}}
 */
export function createLAN(n) {
  const subnet = ((process.pid + ++lanCounter) % 250) + 1
  const hosts = []
  for (let i = 0; i < n; i++) hosts.push(Netns.create())
  let sw = null
  if (n === 2) {
    ip('link', 'add', lanIface, 'netns', hosts[0].name, 'type', 'veth', 'peer', 'name', lanIface, 'netns', hosts[1].name)
  } else if (n > 2) {
    sw = Netns.create()
    sw.ip('link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0', 'forward_delay', '0')
    sw.ip('link', 'set', 'br0', 'up')
    hosts.forEach((h, i) => {
      ip('link', 'add', lanIface, 'netns', h.name, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', sw.name)
      sw.ip('link', 'set', `p${i}`, 'master', 'br0', 'up')
    })
  }
  if (n >= 2) {
    hosts.forEach((h, i) => {
      h.addr = `10.98.${subnet}.${i + 1}`
      h.ip('addr', 'add', `${h.addr}/24`, 'dev', lanIface)
      h.ip('link', 'set', lanIface, 'up', 'multicast', 'on')
    })
  }
  return { hosts, switch: sw, subnet, all: sw ? [...hosts, sw] : [...hosts] }
}

/** Deletes every namespace still alive (process exit, signals). */
export function destroyAll() {
  for (const n of [...live]) n.destroy()
}

/**
 * Deletes namespaces left by earlier runs whose process is gone (a crash
 * or kill -9 skips every cleanup), with whatever still runs in them.
 */
export function sweepStale() {
  let entries = []
  try {
    entries = readdirSync(nsDir)
  } catch {
    return
  }
  for (const name of entries) {
    const m = name.match(new RegExp(`^${nsPrefix}-(\\d+)-`))
    if (!m) continue
    const pid = Number(m[1])
    if (pid === process.pid || existsSync(`/proc/${pid}`)) continue
    killAllIn(name)
    try {
      ip('netns', 'del', name)
    } catch {
      // next time
    }
  }
}
