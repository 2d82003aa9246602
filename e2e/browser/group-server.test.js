// Group calls (issue 15) through a signaling server, in real Chromium:
// the mesh's legs are signaled through a real peerline-signal, not the
// LAN. group.test.js is the same over the LAN only.
//
//   server only   A, B and C with discovery off, each knowing the others
//                 only as contacts at the server (A's contacts B and C;
//                 B and C never meet but through the group: C's join to
//                 B goes through the one server set up, as any send to a
//                 peer without a LAN address)
//   both          A and B with discovery on and the server (A–B signaled
//                 over the LAN), C and D with discovery off, reached only
//                 through the server: A adds C, B adds D; the legs between
//                 a LAN pair and a server-only person go through the server
//
// Every host is on one Ethernet segment (lib/netns.createLAN), the server
// on a machine of its own; "through the server" is about signaling (media
// goes as ICE finds it, here host candidates on that segment). Each
// scenario counts the server's relayed messages, so a group whose legs
// bypassed it fails.

import assert from 'node:assert/strict'
import { answer, ring } from './lib/flows.js'
import { add, pairCodes, waitTiles } from './lib/group.js'
import { scenario } from './lib/world.js'

/** Frames on a tile: ten more within a minute (group.js's default is 30 s; a loaded 2-core CI box decodes four Chromiums' video slowly). */
const decoding = { frames: 10, timeout: 60_000 }

const names = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra']

/**
 * A LAN of n+1 machines: peerline-signal on the first, a peerline and a UI
 * on each other. lanPeers[i] says whether person i runs mDNS discovery
 * (besides the server); the others have it off.
 */
async function world(w, n, lanPeers = []) {
  const lan = w.lan(n + 1)
  const srv = await w.signal(lan.hosts[0], `${lan.hosts[0].addr}:0`)
  const ins = await Promise.all(
    lan.hosts.slice(1).map((h, i) => w.peerline(h, 'ABCD'[i], { signalURL: srv.url, noDiscovery: !lanPeers[i], name: names[i] })),
  )
  const uis = await Promise.all(ins.map((p) => w.ui(p)))
  await srv.waitConnections(n)
  return { uis, srv }
}

/** by knows each of who as a contact at the server, shown online. */
async function contacts(by, srv, who) {
  for (const o of who) {
    await by.api('Contacts.Add', { id: o.id, name: o.name, server: srv.url })
    await by.waitPeer(o.id, true)
  }
}

/**
 * `by` adds `who`, who rings naming `by` and each of `already` in the
 * call, and answers with video. A member `who` has no name for (not a
 * contact, not on its LAN: the invite's roster carries peer ids only) is
 * named by the short form of its id, as the app shows unknown people.
 */
async function addAndAnswer(by, who, already) {
  who.mark()
  await add(by, who)
  await who.tid('incoming-call').waitFor({ timeout: 10_000 })
  assert.match(await who.tid('incoming-call').innerText(), new RegExp(by.name), `${who.label}'s ringing card names ${by.label}, who adds them`)
  const roster = await who.tid('incoming-members').innerText({ timeout: 5_000 })
  for (const o of already.filter((x) => x !== by)) {
    assert.ok(roster.includes(o.name) || roster.includes(o.id.split('-')[0]), `${who.label}'s ringing card names ${o.label} as in the call: ${JSON.stringify(roster)}`)
  }
  await who.tid('accept-video').click()
  await who.waitState('connected', 20_000)
  return roster
}

const relayed = (srv) => srv.metrics().peerline_signal_messages_relayed_total ?? 0

/** The speaking indicator lights on ui's tile of each of others (the fake microphones beep). */
async function speaking(ui, others) {
  for (const o of others) {
    await ui.page.locator(`[data-testid="participant"][data-peer-id="${o.id}"][data-speaking="true"]`).waitFor({ timeout: 15_000 }).catch(async (err) => {
      // What arrives: each peer connection's inbound audio (bytes, level), to tell no sound from a quiet indicator.
      const audio = await ui.page.evaluate(async () => {
        const out = []
        for (const pc of window.__pl.pcs) {
          if (pc.connectionState === 'closed') continue
          for (const r of (await pc.getStats()).values()) {
            if (r.type === 'inbound-rtp' && r.kind === 'audio') out.push({ pc: pc.connectionState, bytes: r.bytesReceived, level: r.audioLevel })
          }
        }
        return out
      })
      throw new Error(`${ui.label}: ${o.label}'s tile never showed speaking; inbound audio: ${JSON.stringify(audio)}`, { cause: err })
    })
  }
}

scenario('group call of three through peerline-signal: each tile decodes, each pair its own safety code; one leaves, the other two stay', async (w, t) => {
  const { uis, srv } = await world(w, 3)
  const [a, b, c] = uis
  await contacts(a, srv, [b, c])
  const before = relayed(srv)
  await ring(a, b)
  await answer(a, b)
  const afterCall = relayed(srv)
  // C rings naming A and B; answering, its app joins B, whom it knows only through the group, through the server.
  await addAndAnswer(a, c, [a, b])
  const sample = await Promise.all([waitTiles(a, [b, c], decoding), waitTiles(b, [a, c], decoding), waitTiles(c, [a, b], decoding)])
  t.diagnostic(`tiles: ${JSON.stringify(sample.map((s) => s.map((x) => `${x.width}x${x.height}`)))}`)
  const after = relayed(srv)
  t.diagnostic(`relayed through the server: ${afterCall - before} for A–B, ${after - afterCall} for adding C (A–C and C–B)`)
  assert.ok(afterCall - before >= 5, `the A–B call relayed only ${afterCall - before} messages: did it use the server?`)
  assert.ok(after - afterCall >= 10, `adding C relayed only ${after - afterCall} messages: did both of C's legs use the server?`)
  await pairCodes([a, b, c])
  await speaking(a, [b, c])
  await speaking(c, [a, b])

  // B leaves (the call the group grew from): A and C stay connected.
  await b.tid('hangup').click()
  await b.waitState('ended')
  await Promise.all([waitTiles(a, [c], decoding), waitTiles(c, [a], decoding)])
  for (const u of [a, c]) assert.equal(await u.state(), 'connected', `${u.label} is still in the call`)
  await c.tid('hangup').click()
  await Promise.all([a.waitState('ended'), c.waitState('ended')])
}, { timeout: 150_000 })

scenario('group call of four over LAN and server both: A–B on the LAN, C and D only through the server; all twelve tiles decode; one leaves, three stay', async (w, t) => {
  const { uis, srv } = await world(w, 4, [true, true, false, false])
  const [a, b, c, d] = uis
  // A and B find each other on the LAN; C and D are contacts at the server.
  await a.waitPeer(b.id, true)
  await b.waitPeer(a.id, true)
  await contacts(a, srv, [c])
  await contacts(b, srv, [d])
  for (const u of [c, d]) assert.equal(await u.page.locator('[data-testid="peer"]').count(), 0, `${u.label} lists nobody: it has no LAN discovery and no contacts`)

  const before = relayed(srv)
  await ring(a, b)
  await answer(a, b)
  const lanCall = relayed(srv) - before
  assert.ok(lanCall <= 2, `the A–B call relayed ${lanCall} messages through the server: want the LAN`)

  await addAndAnswer(a, c, [a, b])
  await Promise.all([waitTiles(a, [b, c], decoding), waitTiles(b, [a, c], decoding), waitTiles(c, [a, b], decoding)])
  // Anyone in the call may add: B adds D, whom only B knows, at the server.
  await addAndAnswer(b, d, [a, b, c])
  const all = [a, b, c, d]
  const sample = await Promise.all(all.map((u) => waitTiles(u, all.filter((o) => o !== u), decoding)))
  t.diagnostic(`tiles: ${JSON.stringify(sample.map((s) => s.map((x) => `${x.width}x${x.height}`)))}`)
  const group = relayed(srv) - before
  t.diagnostic(`relayed through the server: ${lanCall} for A–B, ${group} in all`)
  assert.ok(group >= 25, `only ${group} messages went through the server for five server legs`)
  await pairCodes(all)
  await speaking(d, [a, b, c])

  // C (server only) leaves: the three others stay connected to each other.
  await c.tid('hangup').click()
  await c.waitState('ended')
  await Promise.all([waitTiles(a, [b, d], decoding), waitTiles(b, [a, d], decoding), waitTiles(d, [a, b], decoding)])
  for (const u of [a, b, d]) assert.equal(await u.state(), 'connected', `${u.label} is still in the call`)
}, { timeout: 200_000 })
