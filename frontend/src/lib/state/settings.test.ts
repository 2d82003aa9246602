import { describe, expect, test } from 'vitest'
import { IceForm, ServerForm, SettingsState } from './settings.svelte'
import { FakeBackend, flush } from './fakes'

async function setup() {
  const backend = new FakeBackend()
  const s = new SettingsState(backend)
  await s.load()
  return { backend, s }
}

describe('SettingsState', () => {
  test('loads, and offers the interfaces discovery uses', async () => {
    const { s } = await setup()
    expect(s.value?.theme).toBe('system')
    expect(s.knownInterfaces).toEqual(['eth0'])
  })

  test('update saves on top of the stored settings, one after another', async () => {
    const { backend, s } = await setup()
    const a = s.setTheme('dark')
    const b = s.update({ camera: 'cam1' })
    expect(await a).toBeNull()
    expect(await b).toBeNull()
    expect(backend.settingsValue).toMatchObject({ theme: 'dark', camera: 'cam1' })
    expect(s.theme).toBe('dark')
    expect(s.needsRestart).toBe(false)
  })

  test('discovery changes need a restart', async () => {
    const { s } = await setup()
    await s.setLanDiscovery(false)
    expect(s.current.disableLanDiscovery).toBe(true)
    expect(s.needsRestart).toBe(true)
  })

  test('toggleInterface adds and removes one name', async () => {
    const { s } = await setup()
    await s.toggleInterface('eth0', true)
    await s.toggleInterface('wlan0', true)
    expect(s.current.discoveryInterfaces).toEqual(['eth0', 'wlan0'])
    await s.toggleInterface('eth0', false)
    expect(s.current.discoveryInterfaces).toEqual(['wlan0'])
  })

  test('a refused save says why and keeps the stored value', async () => {
    const { backend, s } = await setup()
    backend.impl('settings.put', () => {
      throw new Error('store: put settings: invalid: ring timeout 1 s, want 5-300')
    })
    expect(await s.update({ ringTimeoutSeconds: 1 })).toBe('Ring timeout 1 s, want 5-300.')
    expect(s.current.ringTimeoutSeconds).toBe(45)
  })

  test('keep running when closed is on by default and saves as quitOnClose', async () => {
    const { backend, s } = await setup()
    expect(s.current.quitOnClose).toBe(false)
    expect(await s.setKeepRunning(false)).toBeNull()
    expect(backend.settingsValue.quitOnClose).toBe(true)
    expect(s.needsRestart).toBe(false) // it applies at the next close
    await s.setKeepRunning(true)
    expect(backend.settingsValue.quitOnClose).toBe(false)
  })

  test('start at login follows the OS entry, and a refusal reads it back', async () => {
    const { backend, s } = await setup()
    expect(s.startsAtLogin).toBe(false)
    expect(await s.setStartAtLogin(true)).toBeNull()
    expect(backend.loginEntry).toBe(true)
    expect(s.startsAtLogin).toBe(true)
    backend.impl('desktop.setStartAtLogin', () => {
      throw new Error('autostart: open /home/x/.config/autostart: permission denied')
    })
    expect(await s.setStartAtLogin(false)).not.toBeNull()
    expect(s.startsAtLogin).toBe(true)
    backend.impl('desktop.startsAtLogin', () => {
      throw new Error('autostart: where the autostart directory is: $HOME is not defined')
    })
    await s.load()
    expect(s.startsAtLogin).toBeNull()
  })

  test('settings:changed from elsewhere is applied', async () => {
    const { backend, s } = await setup()
    backend.emit('settings:changed', { ...s.current, theme: 'light' })
    await flush()
    expect(s.theme).toBe('light')
  })
})

describe('ServerForm', () => {
  // The rules are Go's (lib/serverurl has the full table); the form stores the canonical text, as Go would.
  test.each([
    { url: 'signal.example', stored: null },
    { url: 'ftp://signal.example', stored: null },
    { url: 'wss://user:pw@signal.example', stored: null },
    { url: 'wss://signal.example:99999', stored: null },
    { url: 'wss://exa_mple.org', stored: null },
    { url: 'wss://signal.example/v1/signal', stored: 'wss://signal.example/v1/signal' },
    { url: ' WSS://Signal.Example ', stored: 'wss://signal.example/v1/signal' },
    { url: 'https://signal.example', stored: null },
    { url: 'ws://192.168.1.10:8080', stored: 'ws://192.168.1.10:8080/v1/signal' },
  ])('$url → $stored', async ({ url, stored }) => {
    const { backend, s } = await setup()
    const f = new ServerForm(s)
    f.url = url
    const ok = stored !== null
    expect(await f.submit()).toBe(ok)
    expect(backend.callsTo('settings.put')).toHaveLength(ok ? 1 : 0)
    if (ok) {
      expect(s.current.signalingServers).toEqual([{ url: stored, token: '' }])
      expect(f.url).toBe('')
      expect(s.needsRestart).toBe(true)
    } else expect(f.error).toBeTruthy()
  })

  test('refuses a duplicate', async () => {
    const { s } = await setup()
    const f = new ServerForm(s)
    f.url = 'wss://a.example'
    await f.submit()
    for (const again of ['wss://a.example', 'wss://A.example:443/v1/signal', 'WSS://a.example/']) {
      f.url = again
      expect(await f.submit()).toBe(false)
      expect(f.error).toBe('That server is already in the list.')
    }
  })
})

describe('IceForm', () => {
  test('STUN needs only URLs', async () => {
    const { s } = await setup()
    const f = new IceForm(s)
    f.urls = 'stun:stun.example:3478'
    expect(await f.submit()).toBe(true)
    expect(s.current.iceServers).toEqual([{ urls: ['stun:stun.example:3478'], username: '', credential: '' }])
  })

  test('TURN needs a username and a credential', async () => {
    const { s } = await setup()
    const f = new IceForm(s)
    f.urls = 'turn:turn.example:3478, turns:turn.example:5349'
    expect(f.isTurn).toBe(true)
    expect(await f.submit()).toBe(false)
    expect(f.error).toMatch(/username and a credential/)
    f.username = 'u'
    f.credential = 'p'
    expect(await f.submit()).toBe(true)
    expect(s.current.iceServers[0].urls).toEqual(['turn:turn.example:3478', 'turns:turn.example:5349'])
    await s.removeIceServer(0)
    expect(s.current.iceServers).toEqual([])
  })

  test('rejects other schemes', async () => {
    const { s } = await setup()
    const f = new IceForm(s)
    f.urls = 'http://x'
    expect(await f.submit()).toBe(false)
  })
})
