// The file-transfer benchmark (issue 15; docs/performance.md, "Files in a
// call"):
//
//   floor: two RTCPeerConnections in one page of the sender's Chromium, one
//          ordered reliable data channel, 64 KiB messages sent while
//          bufferedAmount is under 4 MiB (then on bufferedamountlow at
//          1 MiB): the raw data channel's throughput on this machine, in
//          the same run;
//   app:   the same number of bytes as a file sent through the real UI
//          (send-file) from A to B in a voice call between two peerline
//          instances on a LAN: read in slices, hashed, chunked, acked,
//          written by B's Go to ~/Downloads (PUT /api/files), verified;
//          timed from setInputFiles to B's file-transfer data-state=done;
//   LAN floor (beside it): a raw data channel between a page of A's
//          browser and one of B's, across the same veth, signaled by this
//          script: what the path between the two browsers carries.
//
// During the app transfer it samples, every 250 ms, B's peerline RSS
// (/proc/PID/status VmRSS) and B's page JS heap (CDP Runtime.getHeapUsage):
// memory must stay flat whatever the file's size. Target: app ≥ 80% of
// the floor.
//
//   node bench-files.js [--mib N (1024)] [--runs N (1)] [--json] [--profile]   (as root; see README.md)
//
// --profile: during each app transfer, a CPU profile of A's and B's pages
// (CDP Profiler: the main thread's JS, self time by function) and the CPU
// time of every process on the machine (/proc/PID/stat), by process kind:
// where the time of a transfer goes.

import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { answer, ring } from './lib/flows.js'
import { downloadsOf, makeFile, sha256File, transferRow, waitTransfer } from './lib/files.js'
import { unavailable } from './lib/env.js'
import { hookExit, World } from './lib/world.js'

const { values: flags } = parseArgs({
  options: { mib: { type: 'string', default: '1024' }, runs: { type: 'string', default: '1' }, json: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } },
})
const mib = Number(flags.mib)
const runs = Number(flags.runs)
const target = 0.8

/** Runs in the page: the raw data channel floor for n bytes; MB/s. */
async function floorRun(n) {
  const a = new RTCPeerConnection()
  const b = new RTCPeerConnection()
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate)
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate)
  const tx = a.createDataChannel('floor', { negotiated: true, id: 5, ordered: true })
  const rx = b.createDataChannel('floor', { negotiated: true, id: 5, ordered: true })
  rx.binaryType = 'arraybuffer'
  await a.setLocalDescription()
  await b.setRemoteDescription(a.localDescription)
  await b.setLocalDescription()
  await a.setRemoteDescription(b.localDescription)
  await new Promise((r) => (tx.readyState === 'open' ? r() : (tx.onopen = r)))
  const chunk = new Uint8Array(64 * 1024)
  let got = 0
  const done = new Promise((r) => {
    rx.onmessage = (e) => {
      got += e.data.byteLength
      if (got >= n) r()
    }
  })
  tx.bufferedAmountLowThreshold = 1 << 20
  const t0 = performance.now()
  for (let sent = 0; sent < n; ) {
    if (tx.bufferedAmount > 4 << 20) {
      await new Promise((r) => (tx.onbufferedamountlow = r))
      continue
    }
    tx.send(chunk)
    sent += chunk.length
  }
  await done
  const ms = performance.now() - t0
  a.close()
  b.close()
  return (n / 1e6) / (ms / 1000)
}

async function floor(ui) {
  const context = await ui.browser.newContext()
  const page = await context.newPage()
  await page.route('http://127.0.0.1:9/floor', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>floor</title>' }))
  await page.goto('http://127.0.0.1:9/floor')
  const mbps = await page.evaluate(floorRun, mib * 1024 * 1024)
  await context.close()
  return mbps
}

/**
 * The floor across the LAN: one RTCPeerConnection in a fresh page of A's
 * browser and one in B's (their own namespaces, the veth between them),
 * signaled by this script, the same sending loop as floorRun. MB/s.
 */
async function lanFloor(a, b) {
  const open = async (ui) => {
    const context = await ui.browser.newContext()
    const page = await context.newPage()
    await page.route('http://127.0.0.1:9/floor', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>floor</title>' }))
    await page.goto('http://127.0.0.1:9/floor')
    return { context, page }
  }
  const [pa, pb] = await Promise.all([open(a), open(b)])
  // Non-trickle: each side's complete description carries its candidates.
  const make = (page, remote) =>
    page.evaluate(async (remote) => {
      const pc = new RTCPeerConnection()
      window.pc = pc
      const ch = pc.createDataChannel('floor', { negotiated: true, id: 5, ordered: true })
      ch.binaryType = 'arraybuffer'
      window.ch = ch
      if (remote) await pc.setRemoteDescription(remote)
      await pc.setLocalDescription()
      if (pc.iceGatheringState !== 'complete') await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()))
      return { type: pc.localDescription.type, sdp: pc.localDescription.sdp }
    }, remote)
  const offer = await make(pa.page, null)
  const ans = await make(pb.page, offer)
  await pa.page.evaluate((d) => window.pc.setRemoteDescription(d), ans)
  const n = mib * 1024 * 1024
  const opened = (page) => page.evaluate(() => new Promise((r) => (window.ch.readyState === 'open' ? r() : (window.ch.onopen = r))))
  await Promise.all([opened(pa.page), opened(pb.page)])
  const received = pb.page.evaluate(
    (n) =>
      new Promise((r) => {
        let got = 0
        let t0 = 0
        window.ch.onmessage = (e) => {
          if (!t0) t0 = performance.now()
          got += e.data.byteLength
          if (got >= n) r(performance.now() - t0)
        }
      }),
    n,
  )
  await pa.page.evaluate(async (n) => {
    const tx = window.ch
    const chunk = new Uint8Array(64 * 1024)
    tx.bufferedAmountLowThreshold = 1 << 20
    for (let sent = 0; sent < n; ) {
      if (tx.bufferedAmount > 4 << 20) {
        await new Promise((r) => (tx.onbufferedamountlow = r))
        continue
      }
      tx.send(chunk)
      sent += chunk.length
    }
  }, n)
  const ms = await received
  await Promise.all([pa.context.close(), pb.context.close()])
  return n / 1e6 / (ms / 1000)
}

const rssKB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1])
  } catch {
    return NaN
  }
}

/** One file of mib MiB from a to b through the UI; MB/s and B's memory samples. */
async function appRun(w, a, b, file, sum, i) {
  const cdp = await b.page.context().newCDPSession(b.page)
  const samples = []
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const heap = await cdp.send('Runtime.getHeapUsage').catch(() => null)
      samples.push({ rssKB: rssKB(b.instance.pid), heapKB: heap ? Math.round(heap.usedSize / 1024) : NaN })
      await new Promise((r) => setTimeout(r, 250))
    }
  })()
  let prof = null
  if (flags.profile) {
    prof = [await a.page.context().newCDPSession(a.page), cdp]
    for (const s of prof) {
      await s.send('Profiler.enable')
      await s.send('Profiler.setSamplingInterval', { interval: 500 })
      await s.send('Profiler.start')
    }
  }
  const nsOf = (pid) => readlinkSync(`/proc/${pid}/ns/net`)
  const names = flags.profile ? { [nsOf(a.instance.pid)]: 'A:', [nsOf(b.instance.pid)]: 'B:' } : {}
  const cpu0 = flags.profile ? cpuTicks(names) : null
  if (flags.profile) {
    // Spans: A's channel's bufferedAmount and bytes sent every 50 ms; B's
    // PUTs (fetch) start and end.
    await a.page.evaluate(() => {
      const s = (window.__spans = { sent: 0, samples: [], ch: null })
      const send = RTCDataChannel.prototype.send
      RTCDataChannel.prototype.send = function (d) {
        if (typeof d !== 'string') {
          s.ch = this
          s.sent += d.byteLength
        }
        return send.call(this, d)
      }
      s.timer = setInterval(() => s.samples.push({ at: performance.now(), buffered: s.ch ? s.ch.bufferedAmount : -1, sent: s.sent }), 50)
    })
    await b.page.evaluate(() => {
      const s = (window.__spans = { puts: [], got: 0, first: 0 })
      const f = window.fetch
      window.fetch = function (url, init) {
        const p = { at: performance.now(), end: 0, bytes: init?.body?.size ?? init?.body?.byteLength ?? 0 }
        if (init?.method === 'PUT') s.puts.push(p)
        return f.call(this, url, init).then((r) => {
          p.end = performance.now()
          return r
        })
      }
    })
  }
  const t0 = Date.now()
  await a.tid('send-file').setInputFiles(file)
  const row = transferRow(b, 'in', i)
  await waitTransfer(row, 'done', 30 * 60_000)
  const ms = Date.now() - t0
  if (prof) {
    const sa = await a.page.evaluate(() => {
      clearInterval(window.__spans.timer)
      const x = window.__spans.samples
      const busy = x.filter((v) => v.buffered > 0).length
      const low = x.filter((v) => v.buffered >= 0 && v.buffered < 1 << 20).length
      return { n: x.length, busyPct: Math.round((busy / x.length) * 100), under1MiBPct: Math.round((low / x.length) * 100), meanBufferedKiB: Math.round(x.reduce((a, v) => a + Math.max(v.buffered, 0), 0) / x.length / 1024) }
    })
    const sb = await b.page.evaluate(() => {
      const p = window.__spans.puts
      const lat = p.map((v) => v.end - v.at).sort((a, b) => a - b)
      let busy = 0
      let until = 0
      for (const v of p) {
        const s0 = Math.max(v.at, until)
        if (v.end > s0) busy += v.end - s0
        until = Math.max(until, v.end)
      }
      const span = p.length ? p[p.length - 1].end - p[0].at : 1
      return { puts: p.length, meanKiB: Math.round(p.reduce((a, v) => a + v.bytes, 0) / Math.max(p.length, 1) / 1024), p50ms: Math.round(lat[lat.length >> 1]), p90ms: Math.round(lat[Math.floor(lat.length * 0.9)]), busyPct: Math.round((busy / span) * 100) }
    })
    console.log(`--- A's channel: bufferedAmount > 0 in ${sa.busyPct}% of ${sa.n} samples (50 ms), under 1 MiB in ${sa.under1MiBPct}%, mean ${sa.meanBufferedKiB} KiB`)
    console.log(`--- B's PUTs: ${sb.puts} of ${sb.meanKiB} KiB mean, latency p50 ${sb.p50ms} ms, p90 ${sb.p90ms} ms; a PUT in flight ${sb.busyPct}% of the time`)
    console.log(`--- CPU by process during the transfer (${(ms / 1000).toFixed(1)} s; 100% = one core)`)
    for (const l of cpuDiff(cpu0, cpuTicks(names), ms / 1000)) console.log(l)
    for (const [k, s] of prof.entries()) {
      const { profile } = await s.send('Profiler.stop')
      console.log(`--- ${k === 0 ? "A's (sender's)" : "B's (receiver's)"} page, main thread, self time`)
      for (const l of topSelf(profile)) console.log(l)
    }
    await prof[0].detach()
  }
  sampling = false
  await sampler
  await cdp.detach()
  // Each run's file is deleted once checked, so the next one may take the name again (Downloads never overwrites: "bench (1).bin" only while "bench.bin" exists).
  const got = readdirSync(downloadsOf(b)).filter((n) => /^bench( \(\d+\))?\.bin$/.test(n))
  if (got.length !== 1) throw new Error(`B's Downloads after run ${i + 1}: ${JSON.stringify(got)}, want the one file sent`)
  const saved = join(downloadsOf(b), got[0])
  if ((await sha256File(saved)) !== sum) throw new Error(`${saved}: not the file sent`)
  rmSync(saved)
  return { mbps: (mib * 1024 * 1024) / 1e6 / (ms / 1000), ms, samples }
}

/**
 * CPU ticks (utime+stime) of every thread on the machine, by tid, labelled
 * process comm, Chromium's --type, profile dir, thread name.
 */
function cpuTicks(names = {}) {
  const out = new Map()
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const pstat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const comm = pstat.slice(pstat.indexOf('(') + 1, pstat.lastIndexOf(')'))
      // Chromium rewrites its children's argv as one space-separated string.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
      const type = cmd.find((a) => a.startsWith('--type='))?.slice(7) ?? ''
      const sub = cmd.find((a) => a.startsWith('--utility-sub-type='))?.slice(19) ?? ''
      let ns = ''
      try {
        ns = names[readlinkSync(`/proc/${pid}/ns/net`)] ?? ''
      } catch {
        // another user's
      }
      const proc = [ns, comm, type, sub.split('.').pop()].filter(Boolean).join(' ')
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const thread = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
        out.set(tid, { label: `${proc} / ${thread}`, ticks: Number(rest[11]) + Number(rest[12]) })
      }
    } catch {
      // gone
    }
  }
  return out
}

function cpuDiff(before, after, seconds) {
  const by = new Map()
  for (const [pid, a] of after) {
    const d = a.ticks - (before.get(pid)?.ticks ?? 0)
    if (d > 0) by.set(a.label, (by.get(a.label) ?? 0) + d)
  }
  return [...by].sort((x, y) => y[1] - x[1]).slice(0, 24).map(([label, t]) => `${(t / 100 / seconds * 100).toFixed(0).padStart(4)}% ${label}`)
}

/** The top functions by self time of a CDP profile. */
function topSelf(profile, n = 15) {
  const self = new Map()
  const dt = profile.timeDeltas
  const byId = new Map(profile.nodes.map((x) => [x.id, x]))
  for (let k = 0; k < profile.samples.length; k++) {
    const node = byId.get(profile.samples[k])
    const f = node.callFrame
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + (dt[k] ?? 0))
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}% ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
}

const phase = (what) => console.error(`bench-files: ${new Date().toISOString().slice(11, 19)} ${what}`)

const within = (p, ms, what) => {
  let timer
  return Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer))
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const range = (xs) => ({ min: Math.min(...xs), max: Math.max(...xs) })

async function main() {
  const why = unavailable()
  if (why) {
    console.error(`bench-files: ${why}`)
    process.exit(2)
  }
  hookExit()
  const w = new World('bench-files')
  try {
    const loadBefore = loadavg()
    const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
    const file = join(w.dir, 'bench.bin')
    const sum = makeFile(file, mib)
    await ring(a, b, { video: false })
    await answer(a, b, { video: false })
    await a.tid('chat-open').click()
    const floors = []
    const lanFloors = []
    const apps = []
    for (let i = 0; i < runs; i++) {
      // A floor that never opens (ICE on a machine under a load of 40)
      // fails the run instead of hanging it.
      const limit = 120_000 + mib * 1000
      phase(`run ${i + 1}: floor`)
      floors.push(await within(floor(a), limit, 'the floor'))
      phase(`run ${i + 1}: LAN floor`)
      lanFloors.push(await within(lanFloor(a, b), limit, 'the LAN floor'))
      phase(`run ${i + 1}: app`)
      apps.push(await appRun(w, a, b, file, sum, i))
    }
    // Medians; the ratios are taken run by run (app against the floors
    // measured just before it), then their median.
    const floorMBps = median(floors)
    const appMBps = median(apps.map((x) => x.mbps))
    const ratios = apps.map((x, k) => x.mbps / floors[k])
    const lanRatios = apps.map((x, k) => x.mbps / lanFloors[k])
    const all = apps.flatMap((x) => x.samples)
    const result = {
      mib,
      runs,
      perRun: apps.map((x, k) => ({ floorMBps: +floors[k].toFixed(1), lanFloorMBps: +lanFloors[k].toFixed(1), appMBps: +x.mbps.toFixed(1) })),
      floorMBps: +floorMBps.toFixed(1),
      appMBps: +appMBps.toFixed(1),
      ratio: +median(ratios).toFixed(2),
      lanFloorMBps: +median(lanFloors).toFixed(1),
      ratioToLanFloor: +median(lanRatios).toFixed(2),
      target,
      met: median(ratios) >= target,
      receiverRssKB: range(all.map((s) => s.rssKB).filter(Number.isFinite)),
      receiverHeapKB: range(all.map((s) => s.heapKB).filter(Number.isFinite)),
      samples: all.length,
      browser: `Chromium ${a.browser.version()}`,
      loadavg: { before: loadBefore.map((x) => +x.toFixed(2)), after: loadavg().map((x) => +x.toFixed(2)) },
    }
    if (flags.json) console.log(JSON.stringify(result, null, 2))
    else {
      for (const [k, r] of result.perRun.entries()) console.log(`run ${k + 1}: floor ${r.floorMBps}, LAN floor ${r.lanFloorMBps}, app ${r.appMBps} MB/s (${Math.round((r.appMBps / r.floorMBps) * 100)}%, ${Math.round((r.appMBps / r.lanFloorMBps) * 100)}%)`)
      console.log(`${result.browser}; ${mib} MiB, medians of ${runs}; load average ${result.loadavg.before.join(' ')} before, ${result.loadavg.after.join(' ')} after`)
      console.log(`floor (raw data channel, 2 RTCPeerConnections in one page): ${result.floorMBps} MB/s`)
      console.log(`LAN floor (raw data channel, A's browser → B's, across the veth):  ${result.lanFloorMBps} MB/s`)
      console.log(`app (send-file → B's Downloads, verified):                 ${result.appMBps} MB/s; run by run ${Math.round(result.ratio * 100)}% of the floor (target ≥ ${target * 100}%: ${result.met ? 'met' : 'NOT met'})`)
      console.log(`app against the LAN floor: ${Math.round(result.ratioToLanFloor * 100)}%`)
      console.log(`B's peerline RSS ${result.receiverRssKB.min}–${result.receiverRssKB.max} KB; B's page JS heap ${result.receiverHeapKB.min}–${result.receiverHeapKB.max} KB (${all.length} samples)`)
    }
  } catch (err) {
    console.error('bench-files:', err)
    process.exitCode = 1
  } finally {
    await w.close()
  }
}

await main()
