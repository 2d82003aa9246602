// Relayed call set-up against direct, in the same run (issue 12 part 3,
// first half): on the simulated internet of lib/internet.js, with coturn
// as the TURN server peerline-signal hands out, time video calls
//
//   relayed   A → B, both behind symmetric NATs: only TURN connects them
//   direct    C → D, both with public addresses of their own on the same
//             network (no NAT): media goes host to host
//
// alternating call by call, from the callee's click on Accept to
// call-state `connected` on both sides and to the second remote frame
// presented on both sides (as bench.js), checking every call's call-path.
// Both pairs get the same ICE servers, so the relayed calls differ only in
// the path. Target: median relayed ≤ 1.5 × median direct.
//
//   node bench-relay.js [--runs N] [--json]      (root; coturn and iptables installed)
//
// The first call of each pair is a warm-up, left out of the medians.

import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { answer, closedClean, hangup, ring } from './lib/flows.js'
import { unavailable } from './lib/env.js'
import { Internet, publicNet } from './lib/internet.js'
import { hookExit, World } from './lib/world.js'

const args = process.argv.slice(2)
const runs = Number(args[args.indexOf('--runs') + 1] || 0) || 10
const json = args.includes('--json')

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** One call caller → callee: ms from the Accept click to connected (both) and to the second frame (both); the path shown. */
async function timedCall(caller, callee) {
  await ring(caller, callee)
  const frames = Promise.all([caller.firstFrame('remote-video', 30_000, 2), callee.firstFrame('remote-video', 30_000, 2)])
  const clicked = await answer(caller, callee)
  const [fa, fb] = await frames
  const connected = Math.max(await caller.waitState('connected'), await callee.waitState('connected'))
  const pathEl = caller.tid('call-path')
  await pathEl.waitFor({ timeout: 5_000 })
  const path = (await pathEl.textContent()).trim()
  const pairs = await caller.page.evaluate(async () => {
    const s = await window.__pl.pcs.at(-1).getStats()
    const out = []
    s.forEach((v) => {
      if (v.type !== 'candidate-pair' || v.state !== 'succeeded') return
      const l = s.get(v.localCandidateId)
      const r = s.get(v.remoteCandidateId)
      out.push(`${l?.candidateType} ${l?.address}:${l?.port} → ${r?.candidateType} ${r?.address}:${r?.port}${v.nominated ? ' (nominated)' : ''}`)
    })
    return out
  })
  await hangup(callee, caller)
  await closedClean(caller)
  return { connected: connected - clicked, frame2: Math.max(fa.frames[1], fb.frames[1]) - clicked, path, pairs }
}

async function main() {
  const skip = unavailable()
  if (skip) throw new Error(skip)
  hookExit()
  const w = new World('bench-relay')
  try {
    const net = new Internet(w)
    const addr = publicNet.serverAddr
    const secret = randomBytes(16).toString('hex')
    const secretFile = join(w.dir, 'turn-secret')
    writeFileSync(secretFile, secret, { mode: 0o600 })
    const turn = await w.coturn(net.servers, { addr, secret })
    const srv = await w.signal(net.servers, `${addr}:0`, ['--turn', turn.urls.join(','), '--turn-secret-file', secretFile])
    const homes = [net.home('symmetric'), net.home('symmetric'), net.publicHost(), net.publicHost()]
    const ins = await Promise.all(homes.map((h, i) => w.peerline(h, 'ABCD'[i], { noDiscovery: true, signalURL: srv.url })))
    const [a, b, c, d] = await Promise.all(ins.map((p) => w.ui(p)))
    for (const [from, to] of [
      [a, b],
      [c, d],
    ]) {
      await from.api('Contacts.Add', { id: to.id, name: to.name, server: srv.url })
      await from.waitPeer(to.id, true)
    }
    const results = { relayed: [], direct: [] }
    for (let i = 0; i <= runs; i++) {
      results.relayed.push(await timedCall(a, b))
      results.direct.push(await timedCall(c, d))
    }
    const summary = {}
    for (const [kind, want] of [
      ['relayed', 'relayed'],
      ['direct', 'direct'],
    ]) {
      const timed = results[kind].slice(1)
      const wrong = results[kind].filter((r) => r.path !== want).length
      if (wrong) throw new Error(`${kind}: ${wrong} of ${results[kind].length} calls showed call-path other than ${want}; succeeded pairs: ${JSON.stringify(results[kind].map((r) => r.pairs))}`)
      summary[kind] = {
        calls: timed.length,
        medianConnectedMs: Math.round(median(timed.map((r) => r.connected))),
        medianSecondFrameMs: Math.round(median(timed.map((r) => r.frame2))),
      }
    }
    const ratio = {
      connected: summary.relayed.medianConnectedMs / summary.direct.medianConnectedMs,
      secondFrame: summary.relayed.medianSecondFrameMs / summary.direct.medianSecondFrameMs,
    }
    const out = { runs, summary, ratio, loadavg: loadavg().map((x) => Math.round(x * 100) / 100), calls: results }
    if (json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n')
    } else {
      for (const k of ['relayed', 'direct']) {
        const s = summary[k]
        console.log(`${k.padEnd(8)} ${s.calls} calls: Accept → connected (both) median ${s.medianConnectedMs} ms; → 2nd remote frame (both) median ${s.medianSecondFrameMs} ms`)
      }
      console.log(`relayed / direct: connected ${ratio.connected.toFixed(2)}x, 2nd frame ${ratio.secondFrame.toFixed(2)}x (target ≤ 1.5x); load average ${out.loadavg.join(' ')}`)
    }
  } finally {
    await w.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
