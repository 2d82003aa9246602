// The group-call benchmark (docs/performance.md, "Group calls"): four
// participants in a full mesh on one LAN, each a peerline --headless with
// its UI in its own headless Chromium (fake 1280x720 camera), all on this
// machine. Once every tile decodes, for S seconds it samples:
//
//   - received frame rate of every tile (12: each person sees three),
//     from the <video>'s decoded frame count;
//   - the picture size each tile receives;
//   - CPU of each participant's Chromium (its whole process tree) and of
//     each peerline, in % of one core, from /proc (the processes of the
//     participant's network namespace).
//
// Two arms, alternating run by run in one invocation:
//   limited    the app as built: each sender's video limited by the group
//              size (lib/call/group.ts videoCap: 600 kbit/s, 640x360 with
//              three others);
//   unlimited  the same, with the group limit neutralised in the page
//              (setParameters calls that carry maxBitrate pass with the
//              bitrate dropped and full size kept), i.e. 1:1 settings.
//
// A third arm, pair (--arms pair), is a 1:1 call on the same machine:
// the frame rate the fake camera and the machine's load allow at all.
//
//   node bench-group.js [--runs N] [--seconds S] [--arms limited,unlimited,pair]

import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { answer, framesBothWays, ring } from './lib/flows.js'
import { addAndAnswer, tiles, waitTiles } from './lib/group.js'
import { hookExit, World } from './lib/world.js'

const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' }, arms: { type: 'string', default: 'limited,unlimited' } },
})
const arms = flags.arms.split(',')
const runs = Number(flags.runs)
const seconds = Number(flags.seconds)

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** CPU ms (user + system) per process of a network namespace, split into peerline and chromium. */
function nsCPU(ns) {
  const out = { peerline: 0, chromium: 0 }
  let pids = []
  try {
    pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    return out
  }
  for (const pid of pids) {
    try {
      const exe = basename(readlinkSync(`/proc/${pid}/exe`))
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      const ms = (Number(f[11]) + Number(f[12])) * 10 // USER_HZ is 100
      if (exe.startsWith('peerline')) out.peerline += ms
      else out.chromium += ms
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** Neutralises the group's video limit in a page: the 1:1 settings for every sender. */
function unlimited() {
  const orig = RTCRtpSender.prototype.setParameters
  RTCRtpSender.prototype.setParameters = function (p, ...rest) {
    for (const e of p.encodings ?? []) {
      if (e.maxBitrate !== undefined) {
        delete e.maxBitrate
        e.scaleResolutionDownBy = 1
      }
    }
    return orig.call(this, p, ...rest)
  }
}

async function run(arm) {
  hookExit()
  const w = new World(`bench-group-${arm}`)
  try {
    const names = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra']
    const people = arm === 'pair' ? 2 : 4
    const uis = await w.lanGroup(people, names.slice(0, people).map((name) => ({ name })))
    if (arm === 'unlimited') for (const u of uis) await u.page.addInitScript(unlimited).then(() => u.page.reload())
    if (arm === 'unlimited') for (const u of uis) for (const o of uis) if (u !== o) await u.waitPeer(o.id, true)
    const [a, b, c, d] = uis
    await ring(a, b)
    await answer(a, b)
    if (people === 4) {
      await addAndAnswer(a, c, [a, b])
      await addAndAnswer(b, d, [a, b, c])
    }
    // A 1:1 call has no tiles: its one remote-video is the sample.
    const sample = (u) => (people === 4 ? tiles(u) : u.video('remote-video').then((v) => [{ peer: 'other', frames: v.frames, width: v.width, height: v.height }]))
    if (people === 4) await Promise.all(uis.map((u) => waitTiles(u, uis.filter((o) => o !== u), { timeout: 60_000 })))
    else await framesBothWays(a, b)
    await a.page.waitForTimeout(3000) // past the first seconds' bitrate ramp
    const before = await Promise.all(uis.map(sample))
    const cpu0 = uis.map((u) => nsCPU(u.instance.ns.name))
    const t0 = performance.now()
    await a.page.waitForTimeout(seconds * 1000)
    const after = await Promise.all(uis.map(sample))
    const cpu1 = uis.map((u) => nsCPU(u.instance.ns.name))
    const dt = (performance.now() - t0) / 1000
    const fps = []
    const sizes = []
    after.forEach((ts, i) => {
      for (const t of ts) {
        const b0 = before[i].find((x) => x.peer === t.peer)
        fps.push((t.frames - (b0?.frames ?? t.frames)) / dt)
        sizes.push(`${t.width}x${t.height}`)
      }
    })
    const pct = (k) => cpu1.map((c, i) => ((c[k] - cpu0[i][k]) / (dt * 1000)) * 100)
    return { fps, sizes, chromium: pct('chromium'), peerline: pct('peerline') }
  } finally {
    await w.close()
  }
}

const results = Object.fromEntries(arms.map((a) => [a, []]))
for (let r = 0; r < runs; r++) {
  for (const arm of r % 2 ? [...arms].reverse() : arms) {
    const res = await run(arm)
    results[arm].push(res)
    console.log(`run ${r + 1} ${arm}: fps ${res.fps.map((x) => x.toFixed(1)).join(' ')} | sizes ${res.sizes.join(' ')} | chromium %CPU ${res.chromium.map(Math.round).join(' ')} | peerline %CPU ${res.peerline.map(Math.round).join(' ')}`)
  }
}
console.log(`\nfour participants, full mesh (pair: a 1:1 call), ${runs} runs × ${seconds} s per arm (medians over runs; fps over every tile)`)
for (const [arm, rs] of Object.entries(results)) {
  const fps = rs.flatMap((r) => r.fps)
  const med = median(rs.map((r) => median(r.fps)))
  const worst = median(rs.map((r) => Math.min(...r.fps)))
  const chrome = median(rs.map((r) => median(r.chromium)))
  const total = median(rs.map((r) => r.chromium.reduce((s, x) => s + x, 0) + r.peerline.reduce((s, x) => s + x, 0)))
  const pl = median(rs.map((r) => median(r.peerline)))
  const sizes = [...new Set(rs.flatMap((r) => r.sizes))].join(', ')
  console.log(`  ${arm.padEnd(9)}  received fps per tile: median ${med.toFixed(1)}, worst tile ${worst.toFixed(1)} (all ${fps.length} samples ${Math.min(...fps).toFixed(1)}–${Math.max(...fps).toFixed(1)}); ` +
    `CPU per Chromium ${Math.round(chrome)}% of a core, per peerline ${pl.toFixed(1)}%, all processes ${Math.round(total)}%; sizes received ${sizes}`)
}
process.exit(0)
