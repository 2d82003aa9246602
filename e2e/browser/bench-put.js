// What a PUT of a received file's batch costs the page (docs/performance.md,
// "Files in a call"): 64 MiB of PUTs from a Chromium page to a local Node
// server, 2 in flight, the body a Uint8Array or a Blob of 1 or 4 MiB, in a
// page driven by Playwright (which watches the network over DevTools, as
// every browser test and bench-files.js does) and in a plain headless
// Chromium with no DevTools attached. Prints MB/s and the milliseconds per
// MiB that fetch() itself takes on the page's main thread.
//
//   node bench-put.js        (needs /usr/bin/chromium; loopback only)

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { chromiumPath } from './lib/env.js'

/** Runs in the page: the PUTs of every kind; an array of results. */
async function puts() {
  const out = []
  for (const size of [1 << 20, 4 << 20]) {
    for (const kind of ['Uint8Array', 'Blob']) {
      const u8 = new Uint8Array(size)
      const total = 64 << 20
      let sync = 0
      const inflight = []
      const t0 = performance.now()
      for (let sent = 0; sent < total; sent += size) {
        const body = kind === 'Blob' ? new Blob([u8]) : u8
        const s = performance.now()
        const p = fetch('/put', { method: 'PUT', body, headers: { Authorization: 'Bearer x', 'Content-Type': 'application/octet-stream' }, cache: 'no-store' })
        sync += performance.now() - s
        inflight.push(p.then((r) => r.json()))
        if (inflight.length >= 2) await inflight.shift()
      }
      await Promise.all(inflight)
      const ms = performance.now() - t0
      out.push({ kind, MiB: size >> 20, MBps: +(total / 1e6 / (ms / 1000)).toFixed(1), fetchMsPerMiB: +(sync / 64).toFixed(2) })
    }
  }
  return out
}

let reportRaw
const raw = new Promise((r) => (reportRaw = r))
const page = `<!doctype html><script>(${puts.toString()})().then((r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) }))</script>`
const srv = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.setHeader('Content-Type', 'text/html')
    return res.end(req.url === '/auto' ? page : '<!doctype html><title>put</title>')
  }
  const parts = []
  req.on('data', (d) => req.url === '/result' && parts.push(d))
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json')
    res.end('{}')
    if (req.url === '/result') reportRaw(JSON.parse(Buffer.concat(parts).toString()))
  })
})
await new Promise((r) => srv.listen(0, '127.0.0.1', r))
const base = `http://127.0.0.1:${srv.address().port}`

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
const p = await browser.newPage()
await p.goto(`${base}/`)
const watched = await p.evaluate(puts)
await browser.close()

const dir = mkdtempSync(join(tmpdir(), 'bench-put-'))
const plain = spawn(chromiumPath, ['--headless', '--no-sandbox', `--user-data-dir=${dir}`, `${base}/auto`], { stdio: 'ignore' })
const unwatched = await raw
const exited = new Promise((r) => plain.once('exit', r))
plain.kill()
await exited
srv.close()
rmSync(dir, { recursive: true, force: true })

for (const [what, rows] of [['Playwright (DevTools watching the network)', watched], ['plain headless Chromium', unwatched]]) {
  console.log(what)
  for (const r of rows) console.log(`  ${r.kind.padEnd(10)} ${r.MiB} MiB: ${String(r.MBps).padStart(6)} MB/s, fetch() ${r.fetchMsPerMiB} ms per MiB on the main thread`)
}
