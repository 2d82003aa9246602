// temporary experiment: CPU of each browser's process tree while ringing / in call, motion on vs reduce
import { readFileSync, readdirSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { answer, hangup, ring } from './lib/flows.js'
import { hookExit, World } from './lib/world.js'
const hz = 100
function tree(root) {
  const kids = new Map()
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8')
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1])
      if (!kids.has(ppid)) kids.set(ppid, [])
      kids.get(ppid).push(Number(p))
    } catch {}
  }
  const out = []
  const walk = (p) => { out.push(p); for (const k of kids.get(p) ?? []) walk(k) }
  walk(root)
  return out
}
function cpu(pids) {
  let t = 0
  for (const p of pids) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8')
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
      t += Number(f[11]) + Number(f[12])
    } catch {}
  }
  return (t / hz) * 1000
}
hookExit()
const w = new World('cpu')
try {
  const [a, b] = await w.lanPair({ name: 'Ada' }, { name: 'Grace' })
  const nsPids = (u) => execFileSync('ip', ['netns', 'pids', u.instance.ns.name], { encoding: 'utf8' }).trim().split('\n').map(Number).filter((p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() !== 'peerline' } catch { return false } })
  const measure = async (label) => {
    const pa = nsPids(a), pb = nsPids(b)
    const [ca, cb] = [cpu(pa), cpu(pb)]
    await new Promise((r) => setTimeout(r, 2000))
    console.log(label, 'caller browser ms/s', Math.round((cpu(pa) - ca) / 2), 'callee', Math.round((cpu(pb) - cb) / 2))
  }
  for (const mode of process.argv.slice(2)) {
    const reduce = mode === 'reduce'
    await a.reducedMotion(reduce); await b.reducedMotion(reduce)
    a.mark(); b.mark()
    await ring(a, b)
    await measure(`${mode} ringing`)
    await answer(a, b)
    await measure(`${mode} in call`)
    await hangup(a, b)
  }
} finally {
  await w.close()
}
