// The paint-cost benchmark (docs/performance.md, "What waited on
// animations"): CPU time per second of one headless Chromium (software
// compositing, as on a desktop without GPU acceleration) while it shows
// the effects the call screens could use during a ring, each alone on a
// 1280x800 page for a few seconds:
//
//   card:   the incoming card's two pulsing rings over a full-window
//           scrim, with and without backdrop-filter blur;
//   video:  a full-window local preview (fake camera, 1280x720) dimmed,
//           with and without filter: blur, with and without the pulsing
//           halo above it.
//
// Figures are the CPU time of the browser's whole process tree (/proc),
// in ms per wall-clock second, median of the rounds.
//
//   node bench-paint.js [--rounds N] [--seconds S]

import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { chromiumFlags } from './lib/browser.js'
import { chromiumPath } from './lib/env.js'

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' } } })
const rounds = Number(flags.rounds)
const seconds = Number(flags.seconds)

const ring = '@keyframes ring{from{transform:scale(1);opacity:.9}to{transform:scale(1.7);opacity:0}}'
const card = (blur) => `<style>body{margin:0;height:100vh;background:linear-gradient(135deg,#234,#789);font:14px sans-serif}
.app div{height:30px;margin:6px;background:#fff3;border-radius:8px}
.backdrop{position:fixed;inset:0;display:grid;place-items:center;background:#0009;${blur ? 'backdrop-filter:blur(6px);' : ''}}
.card{width:400px;padding:36px;border-radius:22px;background:#1c2430;color:#fff;display:flex;flex-direction:column;align-items:center}
.rings{position:relative;width:96px;height:96px}
.rings span{position:absolute;inset:0;border-radius:50%;border:2px solid #3c6a;animation:ring 2s ease-out infinite}
.rings span:nth-child(2){animation-delay:1s}${ring}</style>
<div class=app>${'<div></div>'.repeat(20)}</div><div class=backdrop><div class=card><div class=rings><span></span><span></span></div><p>Ada Lovelace is calling</p></div></div>`
const video = (blur, halo) => `<style>body{margin:0;background:#111}
video{position:absolute;inset:0;width:100%;height:100%;object-fit:cover;opacity:.3;${blur ? 'filter:blur(2px);' : ''}}
.halo{position:absolute;left:592px;top:352px;width:96px;height:96px}
.halo::before{content:'';position:absolute;inset:0;border-radius:50%;border:2px solid #fff4;${halo ? 'animation:ring 2.4s ease-out infinite' : ''}}${ring}</style>
<video autoplay muted></video><div class=halo></div>`

const cases = {
  'card, rings over a plain scrim': { html: card(false) },
  'card, rings over backdrop-filter: blur(6px)': { html: card(true) },
  'preview dimmed': { html: video(false, false), camera: true },
  'preview dimmed + halo': { html: video(false, true), camera: true },
  'preview blur(2px)': { html: video(true, false), camera: true },
  'preview blur(2px) + halo': { html: video(true, true), camera: true },
}

/** CPU ms (user + system) of pid and all its descendants. */
function treeCPU(root) {
  const parent = {}
  const ticks = {}
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')
      parent[p] = f[1]
      ticks[p] = Number(f[11]) + Number(f[12])
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (p) => {
    for (let q = p; q; q = parent[q]) if (q === String(root)) return true
    return false
  }
  let sum = 0
  for (const p of Object.keys(ticks)) if (inTree(p)) sum += ticks[p]
  return sum * 10 // USER_HZ is 100 on Linux
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

// getUserMedia needs a secure context: a loopback page.
const http = createServer((_, res) => res.end('<!doctype html><title>paint</title><body></body>'))
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
const server = await chromium.launchServer({ executablePath: chromiumPath, args: chromiumFlags })
const browser = await chromium.connect(server.wsEndpoint())
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.goto(`http://127.0.0.1:${http.address().port}/`)
  const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
  for (let r = 0; r < rounds; r++) {
    for (const [name, c] of Object.entries(cases)) {
      await page.evaluate((html) => (document.body.innerHTML = html), c.html)
      if (c.camera) {
        await page.evaluate(async () => {
          document.querySelector('video').srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })
        })
      }
      await page.waitForTimeout(700) // past start-up
      const c0 = treeCPU(server.process().pid)
      const t0 = performance.now()
      await page.waitForTimeout(seconds * 1000)
      results[name].push(((treeCPU(server.process().pid) - c0) * 1000) / (performance.now() - t0))
      await page.evaluate(() => document.querySelector('video')?.srcObject?.getTracks().forEach((t) => t.stop()))
    }
  }
  console.log(`paint cost, CPU ms per second of one headless Chromium (software compositing), median of ${rounds} × ${seconds} s`)
  for (const [name, xs] of Object.entries(results)) console.log(`  ${String(Math.round(median(xs))).padStart(5)}  ${name}   (${xs.map(Math.round).join(' ')})`)
} finally {
  await browser.close()
  await server.close()
  http.close()
}
