// Calls across a simulated internet (issue 12, part 2): peerline-signal
// and a TURN server on a public network (203.0.113.0/24), and homes behind
// NAT routers (lib/internet.js; topology in README.md):
//
//   A, B   symmetric NAT (MASQUERADE --random-fully), direct UDP between
//          the homes dropped: only a relay connects them
//   C      a strict office: every outbound UDP packet dropped, so only TURN
//          over TCP works
//
// The real app in each home with its UI in Chromium in the same namespace
// (no loopback flag). With TURN, A↔B and A↔C video calls connect, remote
// frames decode and call-path says "relayed"; without TURN, A↔B ends on
// both ends with a call-error naming ICE / no route within 20 s of the
// accept.
//
// The TURN flavour is a parameter: "coturn" (apt's turnserver, as the
// external TURN named by --turn) and "embedded" (peerline-signal's own,
// --turn-listen, signaling/turnserver).
//
// Every scenario builds its own namespaces (unique names), so they could
// run side by side; like the rest of the suite they run one at a time.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { answer, framesBothWays, hangup, ring } from './lib/flows.js'
import { haveIptables, Internet, publicNet } from './lib/internet.js'
import { scenario } from './lib/world.js'

/** The budget from the accept to both ends showing the failure. */
const failBudgetMs = 20_000

function hasProgram(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * The servers (peerline-signal, and TURN of the flavour asked for: none,
 * coturn or embedded), the homes asked for, a peerline and a UI in each,
 * and A knowing every other home as a contact at the server.
 * @param {('symmetric'|'tcp-only')[]} policies one per home: A, B, C…
 */
async function world(w, turn, policies) {
  const net = new Internet(w)
  const addr = publicNet.serverAddr
  const secret = randomBytes(16).toString('hex')
  const secretFile = join(w.dir, 'turn-secret')
  writeFileSync(secretFile, secret, { mode: 0o600 })
  let extra = []
  if (turn === 'coturn') {
    const c = await w.coturn(net.servers, { addr, secret })
    extra = ['--turn', c.urls.join(','), '--turn-secret-file', secretFile]
  } else if (turn === 'embedded') {
    extra = ['--turn-listen', `${addr}:3478`, '--turn-external-ip', addr, '--turn-relay-ports', '50000-50999', '--turn-secret-file', secretFile]
  }
  const srv = await w.signal(net.servers, `${addr}:0`, extra)
  const homes = policies.map((p) => net.home(p))
  const names = ['Ada Lovelace', 'Grace Hopper', 'Katherine Johnson']
  const ins = await Promise.all(homes.map((h, i) => w.peerline(h, 'ABC'[i], { noDiscovery: true, signalURL: srv.url, name: names[i] })))
  const uis = await Promise.all(ins.map((p) => w.ui(p)))
  const [a, ...others] = uis
  // Every home reaches the server over TCP (the office too) before A
  // adds anyone: a home that never connects fails here, by name.
  await srv.waitConnections(uis.length)
  for (const o of others) {
    await a.api('Contacts.Add', { id: o.id, name: o.name, server: srv.url })
    await a.waitPeer(o.id, true)
  }
  return { uis, srv, homes }
}

/** Waits until ui's call-path shows want, and checks the page's own selected pair agrees. */
async function pathIs(ui, want) {
  const el = ui.tid('call-path')
  await ui.page
    .waitForFunction((w) => document.querySelector('[data-testid="call-path"]')?.textContent.trim() === w, want, { timeout: 5_000, polling: 100 })
    .catch(async () => assert.fail(`${ui.label}: call-path is ${JSON.stringify(await el.textContent({ timeout: 500 }).catch(() => '(none)'))}, want ${want}`))
  return (await el.textContent()).trim()
}

/** A relayed video call from a to b: connects, frames both ways, call-path "relayed" on both ends, hang-up. */
async function relayedCall(a, b, t, shot) {
  await ring(a, b)
  const clicked = await answer(a, b)
  const connectedAt = Date.now()
  await framesBothWays(a, b)
  await Promise.all([pathIs(a, 'relayed'), pathIs(b, 'relayed')])
  t.diagnostic(`${a.label}↔${b.label}: connected ${connectedAt - clicked} ms after the accept (upper bound: includes the UI's polling), path relayed on both ends`)
  if (shot) await shot(a)
  await hangup(b, a)
}

for (const turn of ['coturn', 'embedded']) {
  const skip =
    !haveIptables() ? 'needs iptables (scripts/install-deps.sh test)'
    : turn === 'coturn' && !hasProgram('turnserver') ? 'needs coturn (apt-get install coturn; scripts/install-deps.sh test)'
    : ''
  scenario(
    `across symmetric NATs and a UDP-blocked office, video calls are relayed by ${turn} TURN`,
    async (w, t) => {
      if (skip) return t.skip(skip)
      const { uis } = await world(w, turn, ['symmetric', 'symmetric', 'tcp-only'])
      const [a, b, c] = uis
      const shot =
        turn === 'coturn'
          ? async (ui) => {
              const dir = process.env.PEERLINE_E2E_SCREENSHOTS
              if (!dir) return
              await ui.settle()
              const path = join(resolve(dir), 'call-relayed.png')
              await ui.screenshot(path)
              t.diagnostic(`call-relayed: ${path}`)
            }
          : null
      await relayedCall(a, b, t, shot)
      await relayedCall(a, c, t)
    },
    { timeout: 180_000 },
  )
}

scenario(
  'without TURN, a call between symmetric NATs ends on both ends with a clear call-error within 20 s of the accept',
  async (w, t) => {
    if (!haveIptables()) return t.skip('needs iptables (scripts/install-deps.sh test)')
    const { uis } = await world(w, 'none', ['symmetric', 'symmetric'])
    const [a, b] = uis
    await ring(a, b)
    const clicked = Date.now()
    await b.tid('accept-video').click()
    const ended = await Promise.all([a.waitState('ended', failBudgetMs + 2_000), b.waitState('ended', failBudgetMs + 2_000)])
    const errors = await Promise.all([a, b].map((u) => u.waitError(/ICE|route/, 2_000)))
    const codes = await Promise.all([a, b].map((u) => u.tid('call-error').first().getAttribute('data-code')))
    const after = ended.map((at) => Math.round(at - clicked))
    t.diagnostic(`ended ${after[0]} ms (A) and ${after[1]} ms (B) after the accept; A: "${errors[0]}"; B: "${errors[1]}"`)
    assert.deepEqual(codes, ['connection_failed', 'connection_failed'], 'both ends name the failure by its code')
    for (const [i, ms] of after.entries()) assert.ok(ms < failBudgetMs, `${'AB'[i]} ended ${ms} ms after the accept, over the ${failBudgetMs} ms budget`)
    for (const u of [a, b]) assert.ok(!(await u.states()).includes('connected'), `${u.label}: the call never connected, yet call-state showed connected`)
  },
  { timeout: 120_000 },
)
