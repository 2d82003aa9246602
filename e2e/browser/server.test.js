// The same video call through a peerline-signal server instead of the
// LAN: discovery is off, the server runs in A's namespace on A's LAN
// address (B reaches it over the veth, as a server on another network),
// and A knows B as a contact at that server.

import assert from 'node:assert/strict'
import { answer, framesBothWays, hangup, historyHas, ring, sameSafetyCode } from './lib/flows.js'
import { scenario } from './lib/world.js'


scenario('video call through peerline-signal (no LAN discovery)', async (w, t) => {
  const lan = w.lan(2)
  const srv = await w.signal(lan.hosts[0], `${lan.hosts[0].addr}:0`)
  const opts = { noDiscovery: true, signalURL: srv.url }
  const pa = await w.peerline(lan.hosts[0], 'A', { ...opts, name: 'Ada Lovelace' })
  const pb = await w.peerline(lan.hosts[1], 'B', { ...opts, name: 'Grace Hopper' })
  const [a, b] = await Promise.all([w.ui(pa), w.ui(pb)])

  // B shares its invite link (its server is in its settings), and A
  // pastes it into the Add-person dialog, which fills in the rest.
  const settingsB = await b.api('Settings.Get')
  await b.api('Settings.Put', { ...settingsB, signalingServers: [{ url: srv.url, token: '' }] })
  await b.page.getByTestId('add-person').click()
  const invite = b.page.getByTestId('invite-link')
  await b.page.waitForFunction(() => /server=/.test(document.querySelector('[data-testid="invite-link"]')?.value ?? ''), null, { timeout: 5_000 })
  const link = await invite.inputValue()
  await b.page.getByRole('button', { name: 'Cancel' }).click()
  assert.match(link, /^peerline:\/\/add\?id=/, `B's invite link: ${link}`)
  const parsed = new URL(link.replace(/^peerline:/, 'http:'))
  assert.deepEqual([parsed.searchParams.get('id'), parsed.searchParams.get('name')], [b.id, 'Grace Hopper'], `B's invite link: ${link}`)
  await a.page.getByTestId('add-person').click()
  await a.page.getByTestId('add-person-id').fill(link)
  assert.equal(await a.page.getByTestId('add-person-id').inputValue(), b.id, 'the id field holds the id from the link')
  assert.equal(await a.page.getByTestId('add-person-name').inputValue(), 'Grace Hopper')
  assert.equal(await a.page.getByTestId('add-person-server').inputValue(), parsed.searchParams.get('server'))
  await a.page.getByTestId('add-person-save').click()
  await a.waitPeer(b.id, true)
  assert.equal(srv.metrics().peerline_signal_connections, 2, 'both instances are connected to the server')

  const before = srv.metrics().peerline_signal_messages_relayed_total ?? 0
  await ring(a, b)
  await answer(a, b)
  const [va, vb] = await framesBothWays(a, b)
  await sameSafetyCode(a, b)
  await hangup(b, a)
  const relayed = srv.metrics().peerline_signal_messages_relayed_total - before
  t.diagnostic(`the call relayed ${relayed} signaling messages through the server; video ${va.width}x${va.height} at A, ${vb.width}x${vb.height} at B`)
  assert.ok(relayed >= 5, `only ${relayed} messages went through the server: did the call use it?`)
  await historyHas(a, 'completed')
  await historyHas(b, 'completed')
})
