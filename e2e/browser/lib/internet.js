// A simulated internet in network namespaces: a public network
// 203.0.113.0/24 (TEST-NET-3, a documentation range: the TURN servers'
// private-peer filters treat it as they would a real public network) with
// the servers on it, and homes behind NAT routers.
//
//   servers ns: br0 203.0.113.1 ── peerline-signal, TURN
//        │ (bridge)
//        ├── router 203.0.113.2N ── NAT (MASQUERADE --random-fully) ── 192.168.N.0/24 ── home N (peerline + Chromium)
//        └── …
//
// `--random-fully` gives every new flow a random source port: a symmetric
// NAT, where the port a STUN or TURN server sees is useless to anyone
// else, so hole punching fails and only a relay connects two such homes.
// Policies per home, applied in its router's FORWARD chain:
//
//   symmetric   direct UDP to the other homes' public addresses is dropped
//               (203.0.113.16/28), so nothing but the relay can carry media
//   tcp-only    every outbound UDP packet is dropped (a strict office):
//               only TURN over TCP works
//
// Every namespace is a World's (netns.js naming, so runs can overlap and
// a crash is swept); traffic never leaves them.

import { execFileSync } from 'node:child_process'

/** The public network, and where its servers live. */
export const publicNet = { prefix: '203.0.113', serverAddr: '203.0.113.1' }
/** The gateway of every default route on the public network: packets to it go nowhere. */
const lostGateway = `${publicNet.prefix}.254`
const lostMAC = '02:00:00:00:00:fe'
/** Home routers' public addresses are .21, .22, …: all inside this block. */
const homesBlock = `${publicNet.prefix}.16/28`

function iptables(ns, ...args) {
  ns.run('iptables', '-w', ...args)
}

/** Whether iptables is installed (scripts/install-deps.sh test). */
export function haveIptables() {
  try {
    execFileSync('iptables', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export class Internet {
  /** @param {import('./world.js').World} world */
  constructor(world) {
    this.world = world
    /** The namespace the servers run in, on 203.0.113.1. */
    this.servers = world.netns()
    this.servers.ip('link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0')
    this.servers.ip('addr', 'add', `${publicNet.serverAddr}/24`, 'dev', 'br0')
    this.servers.ip('link', 'set', 'br0', 'up')
    // Like the internet, the public network silently loses packets to
    // addresses nobody routes (the homes' private ones): the default route
    // points at a gateway whose MAC address no one has. With no route, or
    // a blackhole one, the send fails at once (ENETUNREACH, EINVAL), and
    // coturn ends the allocation that sent it: a TURN client asks it to
    // relay to the other side's host candidates too.
    this.servers.ip('neigh', 'add', lostGateway, 'lladdr', lostMAC, 'dev', 'br0', 'nud', 'permanent')
    this.servers.ip('route', 'add', 'default', 'via', lostGateway)
    this.servers.addr = publicNet.serverAddr
    this.homes = 0
    this.hosts = 0
  }

  /**
   * A home behind its own NAT router. Returns the home's namespace (where
   * peerline and its Chromium run), with `router`, `publicAddr` and
   * `lanAddr` on it.
   * @param {'symmetric'|'tcp-only'} policy
   */
  home(policy = 'symmetric') {
    const n = ++this.homes
    const w = this.world
    const router = w.netns()
    const home = w.netns()
    const publicAddr = `${publicNet.prefix}.${20 + n}`
    // Router's WAN on the public bridge.
    execFileSync('ip', ['link', 'add', 'wan', 'netns', router.name, 'type', 'veth', 'peer', 'name', `h${n}`, 'netns', this.servers.name])
    this.servers.ip('link', 'set', `h${n}`, 'master', 'br0', 'up')
    router.ip('addr', 'add', `${publicAddr}/24`, 'dev', 'wan')
    router.ip('link', 'set', 'wan', 'up')
    // Router's LAN to the one machine at home.
    execFileSync('ip', ['link', 'add', 'lan', 'netns', router.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', home.name])
    router.ip('addr', 'add', `192.168.${n}.1/24`, 'dev', 'lan')
    router.ip('link', 'set', 'lan', 'up')
    home.ip('addr', 'add', `192.168.${n}.2/24`, 'dev', 'eth0')
    home.ip('link', 'set', 'eth0', 'up')
    home.ip('route', 'add', 'default', 'via', `192.168.${n}.1`)
    router.ip('neigh', 'add', lostGateway, 'lladdr', lostMAC, 'dev', 'wan', 'nud', 'permanent')
    router.ip('route', 'add', 'default', 'via', lostGateway) // as for the servers: unknown addresses lose packets
    router.run('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1')
    iptables(router, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', '--random-fully')
    if (policy === 'symmetric') {
      iptables(router, '-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-p', 'udp', '-d', homesBlock, '-j', 'DROP')
    } else if (policy === 'tcp-only') {
      iptables(router, '-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-p', 'udp', '-j', 'DROP')
    } else {
      throw new Error(`home(${policy}): want symmetric or tcp-only`)
    }
    home.router = router
    home.publicAddr = publicAddr
    home.lanAddr = `192.168.${n}.2`
    home.addr = home.lanAddr
    return home
  }

  /**
   * A machine with a public address of its own on the public network (no
   * NAT: a server, or a VM), at 203.0.113.4N: calls between two of them
   * go direct (bench-relay.js's baseline).
   */
  publicHost() {
    const n = ++this.hosts
    const host = this.world.netns()
    host.addr = `${publicNet.prefix}.${40 + n}`
    execFileSync('ip', ['link', 'add', 'eth0', 'netns', host.name, 'type', 'veth', 'peer', 'name', `p${n}`, 'netns', this.servers.name])
    this.servers.ip('link', 'set', `p${n}`, 'master', 'br0', 'up')
    host.ip('addr', 'add', `${host.addr}/24`, 'dev', 'eth0')
    host.ip('link', 'set', 'eth0', 'up')
    host.ip('neigh', 'add', lostGateway, 'lladdr', lostMAC, 'dev', 'eth0', 'nud', 'permanent')
    host.ip('route', 'add', 'default', 'via', lostGateway)
    return host
  }
}
