// The call set-up benchmark (docs/performance.md):
//
//   app:   the callee's click on Accept → remote frames decoding on both
//          sides (each side's remote <video> presents its first frame),
//          over N calls between two peerline instances on a LAN, each UI
//          in its own Chromium in its own namespace;
//   floor: getUserMedia plus two RTCPeerConnections in one page, trickling
//          to each other directly, to the first remote frame; N runs in
//          the caller's browser, in the same run.
//
// Target: median(app) ≤ 1.3 × median(floor). Each series starts with one
// warm-up (the first getUserMedia and call in a fresh browser pay for
// loading codecs and devices) that is reported but not counted.
//
//   node bench.js [--runs N] [--json]      (root; see README.md)

import { parseArgs } from 'node:util'
import { answer, closedClean, hangup, ring } from './lib/flows.js'
import { floorRun } from './lib/inpage.js'
import { unavailable } from './lib/env.js'
import { hookExit, World } from './lib/world.js'

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } } })
const runs = Number(flags.runs)
const target = 1.3

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const ms = (x) => `${Math.round(x)} ms`

/**
 * What the app asks getUserMedia for (frontend/src/lib/media/constraints.ts):
 * 1280x720 at 30 fps, sound processing on. The floor runs once with
 * Chromium's defaults (the floor of the target) and once with these, to
 * show how much of the gap is the bigger picture.
 */
const appConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
}

/** The floor in a fresh page of ui's browser, on a loopback origin served by Playwright (getUserMedia needs a secure context). */
async function floor(ui, constraints) {
  const context = await ui.browser.newContext()
  const page = await context.newPage()
  await page.route('http://127.0.0.1:9/floor', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>floor</title>' }))
  await page.goto('http://127.0.0.1:9/floor')
  const out = []
  for (let i = 0; i <= runs; i++) out.push(await page.evaluate(floorRun, constraints))
  await context.close()
  return out
}

/** One call, A → B: ring, then time B's Accept click to the first remote frame on both sides. */
async function appCall(a, b) {
  a.mark()
  b.mark()
  await ring(a, b)
  await b.page.evaluate(() => {
    window.__pl.acceptAt = 0
    document.addEventListener(
      'click',
      (e) => {
        if (e.target.closest?.('[data-testid="accept-video"]') && !window.__pl.acceptAt) window.__pl.acceptAt = performance.timeOrigin + performance.now()
      },
      { capture: true, once: false },
    )
  })
  const frames = Promise.all([a.firstFrame(), b.firstFrame()])
  await answer(a, b)
  const [fa, fb] = await frames
  const acceptAt = await b.page.evaluate(() => window.__pl.acceptAt)
  const connected = Math.max(await a.waitState('connected'), await b.waitState('connected'))
  // Milestones after the click on each side (the first of each name).
  const steps = {}
  for (const [u, side] of [
    [a, 'caller'],
    [b, 'callee'],
  ]) {
    const events = await u.page.evaluate((t) => window.__pl.events.filter((e) => e.at >= t), acceptAt)
    for (const e of events) steps[`${side} ${e.name}`] ??= e.at - acceptAt
  }
  steps['caller first frame'] = fa - acceptAt
  steps['callee first frame'] = fb - acceptAt
  await hangup(a, b)
  await closedClean(a)
  return { total: Math.max(fa, fb) - acceptAt, caller: fa - acceptAt, callee: fb - acceptAt, connected: connected - acceptAt, steps }
}

async function main() {
  const why = unavailable()
  if (why) {
    console.error(`bench: ${why}`)
    process.exit(2)
  }
  hookExit()
  const w = new World('bench')
  try {
    const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
    const fl = await floor(a)
    const app = []
    for (let i = 0; i <= runs; i++) app.push(await appCall(a, b))
    // A second floor series after the calls: the machine's state may drift.
    const fl2 = await floor(a)
    const matched = (await floor(a, appConstraints)).slice(1)

    const floorFrames = [...fl.slice(1), ...fl2.slice(1)].map((r) => r.frame)
    const appTotals = app.slice(1).map((r) => r.total)
    const result = {
      runs,
      floor: {
        medianFrameMs: median(floorFrames),
        medianGumMs: median([...fl.slice(1), ...fl2.slice(1)].map((r) => r.gum)),
        medianConnectedMs: median([...fl.slice(1), ...fl2.slice(1)].map((r) => r.connected)),
        warmupFrameMs: fl[0].frame,
        samples: floorFrames.map(Math.round),
      },
      floorAppConstraints: {
        medianFrameMs: median(matched.map((r) => r.frame)),
        medianGumMs: median(matched.map((r) => r.gum)),
        medianConnectedMs: median(matched.map((r) => r.connected)),
        samples: matched.map((r) => Math.round(r.frame)),
      },
      app: {
        medianBothFramesMs: median(appTotals),
        medianCallerFrameMs: median(app.slice(1).map((r) => r.caller)),
        medianCalleeFrameMs: median(app.slice(1).map((r) => r.callee)),
        medianConnectedMs: median(app.slice(1).map((r) => r.connected)),
        warmupMs: app[0].total,
        samples: appTotals.map(Math.round),
      },
    }
    // Median time of each milestone after the click, in order.
    const names = [...new Set(app.slice(1).flatMap((r) => Object.keys(r.steps)))]
    result.app.steps = Object.fromEntries(
      names
        .map((n) => [n, median(app.slice(1).map((r) => r.steps[n]).filter((x) => x !== undefined))])
        .sort((x, y) => x[1] - y[1])
        .map(([n, v]) => [n, Math.round(v)]),
    )
    result.ratio = result.app.medianBothFramesMs / result.floor.medianFrameMs
    result.ratioAppConstraints = result.app.medianBothFramesMs / result.floorAppConstraints.medianFrameMs
    result.target = target
    result.met = result.ratio <= target
    const chromium = a.browser.version()
    result.browser = `Chromium ${chromium}`
    if (flags.json) console.log(JSON.stringify(result, null, 2))
    else {
      console.log(`browser: ${result.browser}; ${runs} runs each after one warm-up`)
      console.log(`floor (getUserMedia + 2 RTCPeerConnections in one page → first remote frame): median ${ms(result.floor.medianFrameMs)} (getUserMedia ${ms(result.floor.medianGumMs)}, connected ${ms(result.floor.medianConnectedMs)}); samples ${result.floor.samples.join(' ')}`)
      const m = result.floorAppConstraints
      console.log(`floor with the app's constraints (1280x720, sound processing): median ${ms(m.medianFrameMs)} (getUserMedia ${ms(m.medianGumMs)}, connected ${ms(m.medianConnectedMs)}); samples ${m.samples.join(' ')}`)
      console.log(`app (Accept click → frames decoding on both sides): median ${ms(result.app.medianBothFramesMs)} (caller ${ms(result.app.medianCallerFrameMs)}, callee ${ms(result.app.medianCalleeFrameMs)}, both connected ${ms(result.app.medianConnectedMs)}); samples ${result.app.samples.join(' ')}`)
      console.log('app milestones after the click (median ms):')
      for (const [n, v] of Object.entries(result.app.steps)) console.log(`  ${String(v).padStart(5)}  ${n}`)
      console.log(`ratio ${result.ratio.toFixed(2)} (target ≤ ${target}): ${result.met ? 'met' : 'NOT met'}; against the floor with the app's constraints ${result.ratioAppConstraints.toFixed(2)}`)
    }
  } catch (err) {
    const dir = await w.dump(err).catch(() => '?')
    console.error(`bench: ${err.stack || err}\n(screenshots and logs: ${dir})`)
    process.exitCode = 1
  } finally {
    await w.close()
  }
}

await main()
