// Screenshots of every main screen, light theme, 1280x800: the people
// list, an outgoing call, an incoming call, a call in progress (both
// pictures showing), the history and the settings, under the names the
// README shows them by (docs/screenshots/: people-lan-light,
// call-outgoing, call-incoming-video, call-video, history-light,
// settings-devices-light). They go to
// $PEERLINE_E2E_SCREENSHOTS (`npm run screenshots` sets it to
// docs/screenshots); without it they go to the test's scratch directory
// and are thrown away: `npm test` checks that every screen renders without
// rewriting the docs.

import assert from 'node:assert/strict'
import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { answer, framesBothWays, hangup, ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

scenario('screenshots of the main screens', async (w, t) => {
  const outDir = process.env.PEERLINE_E2E_SCREENSHOTS ? resolve(process.env.PEERLINE_E2E_SCREENSHOTS) : join(w.dir, 'screenshots')
  mkdirSync(outDir, { recursive: true })
  const shot = async (ui, name) => {
    await ui.settle()
    const path = join(outDir, `${name}.png`)
    await ui.screenshot(path)
    if (process.env.PEERLINE_E2E_SCREENSHOTS) t.diagnostic(`${name}: ${path}`)
  }
  const [a, b, c] = await w.lanGroup(3, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Katherine Johnson' }])

  await shot(a, 'people-lan-light')

  await ring(a, b)
  await shot(a, 'call-outgoing')
  await shot(b, 'call-incoming-video')

  await answer(a, b)
  await framesBothWays(a, b, 30)
  for (const u of [a, b]) {
    assert.ok((await u.video('remote-video')).visible, `${u.label}: remote picture visible`)
    assert.ok((await u.video('local-video')).visible, `${u.label}: own picture visible`)
  }
  // The quality indicator needs a stats round or two.
  await a.page.waitForFunction(() => document.querySelector('[data-testid="safety-code"]')?.textContent.trim(), null, { timeout: 5_000 })
  await shot(a, 'call-video')
  await hangup(a, b)

  // Some history: the completed call, and a call from Katherine that Ada declines.
  await ring(c, a)
  await a.tid('decline').click()
  await Promise.all([a.waitState('ended'), c.waitState('ended')])
  await a.tid('incoming-call').waitFor({ state: 'detached' })
  await a.tid('remote-video').waitFor({ state: 'detached', timeout: 10_000 })
  await a.show('history')
  await a.page.locator('[data-testid="history-entry"]').nth(1).waitFor({ timeout: 5_000 })
  await shot(a, 'history-light')

  await a.show('settings')
  await a.page.getByRole('heading', { name: 'Settings' }).waitFor({ timeout: 5_000 })
  await shot(a, 'settings-devices-light')

  // Add person with Ada's invite link on show and Grace's link pasted in.
  await b.page.getByTestId('add-person').click()
  const link = await b.page.getByTestId('invite-link').inputValue()
  await b.page.getByRole('button', { name: 'Cancel' }).click()
  await a.page.getByTestId('add-person').click()
  await a.page.getByTestId('add-person-id').fill(`${link}&server=${encodeURIComponent('wss://signal.example.com')}`)
  await shot(a, 'add-person')
  await a.page.getByRole('button', { name: 'Cancel' }).click()

  // Always reachable (issue 13): do not disturb, as Ada sets it and as
  // Grace's call meets it, and the settings for the window and login.
  await a.tid('do-not-disturb').click()
  await a.page.getByRole('menuitem', { name: 'Until I turn it off' }).waitFor({ timeout: 5_000 })
  await shot(a, 'do-not-disturb-menu')
  await a.page.getByRole('menuitem', { name: 'Until I turn it off' }).click()
  await a.waitAttr('do-not-disturb', 'data-on', 'true')
  await b.call(a.id, true)
  await b.waitError(/is not taking calls right now/i)
  await shot(b, 'call-error-do-not-disturb')
  await a.tid('do-not-disturb').click()
  await a.page.getByRole('menuitem', { name: 'Turn off do not disturb' }).click()
  await a.waitAttr('do-not-disturb', 'data-on', 'false')
  await a.show('settings')
  await a.page.getByRole('heading', { name: 'On this computer' }).scrollIntoViewIfNeeded()
  await shot(a, 'settings-desktop-light')
})

// Strangers (docs/screenshots/: call-incoming-same-name, person-same-name,
// settings-blocked): a stranger on the LAN calling as "Grace Hopper"
// while Ada has the real Grace as a contact, Ada blocking it from the
// incoming-call screen, its page and the blocked list in Settings.
scenario('screenshots of strangers: someone using a contact name, Block, the blocked list', async (w, t) => {
  const outDir = process.env.PEERLINE_E2E_SCREENSHOTS ? resolve(process.env.PEERLINE_E2E_SCREENSHOTS) : join(w.dir, 'screenshots')
  mkdirSync(outDir, { recursive: true })
  const shot = async (ui, name) => {
    await ui.settle()
    const path = join(outDir, `${name}.png`)
    await ui.screenshot(path)
    if (process.env.PEERLINE_E2E_SCREENSHOTS) t.diagnostic(`${name}: ${path}`)
  }
  const [a, b, c] = await w.lanGroup(3, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Grace Hopper' }])
  await a.api('Contacts.AddFromLAN', b.id) // the real Grace is Ada's contact; c only uses her name
  await a.peer(b.id).waitFor({ timeout: 5_000 })

  await ring(c, a)
  const card = a.tid('incoming-call')
  await card.getByTestId('same-name').waitFor({ timeout: 5_000 })
  assert.match(await card.innerText(), /Someone using Grace Hopper.s name/)
  await shot(a, 'call-incoming-same-name')

  await card.getByTestId('block').click()
  await Promise.all([a.waitState('ended'), c.waitState('ended')])
  await card.waitFor({ state: 'detached', timeout: 5_000 })

  await a.peer(c.id).locator('button.main').click()
  await a.page.getByRole('heading', { level: 1, name: /Grace Hopper/ }).waitFor({ timeout: 5_000 })
  await a.page.locator('article.person [data-testid="same-name"]').waitFor({ timeout: 5_000 })
  await shot(a, 'person-same-name')

  await a.show('settings')
  const blocked = a.tid('blocked-list')
  await blocked.locator(`[data-testid="blocked-person"][data-peer-id="${c.id}"]`).waitFor({ timeout: 5_000 })
  await blocked.scrollIntoViewIfNeeded()
  await shot(a, 'settings-blocked')
})

// Identity changed (docs/screenshots/: identity-changed-light,
// identity-changed-dark): Grace, Ada's contact since their first call,
// reinstalls Peerline (a new key, the same machine and port). The
// Peerline at Grace's usual address now proves a different ID: Ada's
// page for Grace warns, with both ids to compare.
scenario('screenshots of identity changed: a contact reinstalled', async (w, t) => {
  const outDir = process.env.PEERLINE_E2E_SCREENSHOTS ? resolve(process.env.PEERLINE_E2E_SCREENSHOTS) : join(w.dir, 'screenshots')
  mkdirSync(outDir, { recursive: true })
  const shot = async (ui, name) => {
    await ui.settle()
    const path = join(outDir, `${name}.png`)
    await ui.screenshot(path)
    if (process.env.PEERLINE_E2E_SCREENSHOTS) t.diagnostic(`${name}: ${path}`)
  }
  // Ada logs at debug level: if the warning is late, the dump shows what
  // discovery proved where and when (the proofs "identity changed" rests on).
  const [a, b] = await w.lanGroup(2, [{ name: 'Ada Lovelace', extra: ['--log-level', 'debug'] }, { name: 'Grace Hopper' }])
  await ring(b, a) // Ada keeps Grace's key from their first call
  await answer(b, a)
  await hangup(b, a)

  // The reinstall: Grace's Peerline quits, its data is gone, it starts again.
  const grace = b.instance
  await grace.quit()
  rmSync(grace.dataDir, { recursive: true, force: true })
  mkdirSync(grace.dataDir, { recursive: true, mode: 0o700 })
  await grace.start()

  const warning = a.page.getByRole('alert').filter({ hasText: 'proves a different ID' })
  await warning.first().waitFor({ timeout: 20_000 })
  assert.match(await warning.first().innerText(), /The Peerline at Grace Hopper.s usual address \(.+:\d+\) now proves a different ID/)
  await a.peer(b.id).locator('button.main').click()
  await a.page.getByRole('heading', { level: 1, name: /Grace Hopper/ }).waitFor({ timeout: 5_000 })
  await shot(a, 'identity-changed-light')
  await a.page.emulateMedia({ colorScheme: 'dark' })
  await shot(a, 'identity-changed-dark')
})
