// The settings of issue 13 through the real UI: "Keep running when the
// window is closed" (setting-background) is on by default and its change
// is stored (it survives a reload); "Start Peerline when I log in"
// (setting-autostart) writes the XDG autostart file, starting this
// peerline with --hidden, and removes it when turned off.

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { scenario } from './lib/world.js'

scenario('settings: keep running when closed, start at login', async (w) => {
  const [a] = await w.lanGroup(1, [{ name: 'Ada Lovelace' }])
  await a.show('settings')
  const background = a.tid('setting-background')
  const autostart = a.tid('setting-autostart')
  await background.waitFor({ timeout: 5_000 })

  assert.equal(await background.isChecked(), true, 'keep running is on by default')
  await background.uncheck()
  await a.page.reload()
  await a.show('settings')
  await background.waitFor({ timeout: 5_000 })
  assert.equal(await background.isChecked(), false, 'keep running stayed off after a reload')
  await background.check()

  const file = join(a.instance.home, '.config', 'autostart', 'peerline.desktop')
  assert.equal(await autostart.isChecked(), false)
  assert.equal(existsSync(file), false)
  await autostart.check()
  await until(() => existsSync(file), 'the autostart file to be written')
  const text = readFileSync(file, 'utf8')
  assert.match(text, /^Exec=\S+ --hidden --data-dir \S+$/m, text)
  await autostart.uncheck()
  await until(() => !existsSync(file), 'the autostart file to be removed')
  // The UI reads the entry back: reloaded, the switch says off.
  await a.page.reload()
  await a.show('settings')
  await autostart.waitFor({ timeout: 5_000 })
  assert.equal(await autostart.isChecked(), false)
})

// until polls cond (a file the app writes: no event to wait on) every 20 ms for up to 5 s.
async function until(cond, what) {
  const deadline = Date.now() + 5_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`waited 5 s for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
