#!/usr/bin/env node
// memwatch.js - samples the memory of every server the anchors harness starts.
//
// The harness writes WORK/run-SIZE-TARGET/pid when it starts a target and
// records VmHWM/VmRSS only at phase boundaries.  This watcher polls
// /proc/PID/status every --interval-ms and keeps the peaks of VmRSS, RssAnon,
// RssFile and RssShmem, plus the kernel's own VmHWM, separately for
//   ingest: from start until the harness writes proc_ingested.json (startup + ingest)
//   whole:  the whole life of the process (ingest, flush, queries, compaction, stop)
// When the process exits it writes RESULTS/TARGET/bench_mem.json.
//
// Usage: node memwatch.js --work DIR --results DIR --size SIZE [--interval-ms 100]
// Stops (and writes what it has) on SIGTERM/SIGINT.
'use strict';
const fs = require('fs');
const path = require('path');

const o = { intervalMs: 100 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = () => argv[++i];
  if (argv[i] === '--work') o.work = v();
  else if (argv[i] === '--results') o.results = v();
  else if (argv[i] === '--size') o.size = v();
  else if (argv[i] === '--interval-ms') o.intervalMs = Number(v());
  else { console.error(`memwatch: unknown argument ${argv[i]}`); process.exit(2); }
}
if (!o.work || !o.results || !o.size) {
  console.error('usage: memwatch.js --work DIR --results DIR --size SIZE [--interval-ms N]');
  process.exit(2);
}

const t0 = Date.now();
const prefix = `run-${o.size}-`;
const tracked = new Map(); // name -> state
const done = new Set(); // "name:pid"

const FIELDS = ['VmHWM', 'VmRSS', 'RssAnon', 'RssFile', 'RssShmem'];
function readStatus(pid) {
  let s;
  try { s = fs.readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { return null; }
  const r = {};
  for (const f of FIELDS) {
    const m = new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(s);
    r[f] = m ? Number(m[1]) : null;
  }
  r.name = (/^Name:\s+(\S+)/m.exec(s) || [])[1] || '';
  return r;
}

// whole-machine CPU from /proc/stat, in seconds (USER_HZ assumed 100, as on Linux/x86)
function sysstat() {
  try {
    const l = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = l;
    return { time_ms: Date.now(), busy_s: (user + nice + system + irq + softirq) / 100, steal_s: (steal || 0) / 100, idle_s: (idle + iowait) / 100 };
  } catch { return null; }
}

// CPU ticks of every process (threads included) and kernel thread, to name the
// "other load" the harness reports: other users' processes, or kernel threads
// (kworker writeback, ...) doing I/O on behalf of the server.  Only processes
// alive at both ends of the ingest window are seen.
function procTicks() {
  const m = new Map();
  let ents;
  try { ents = fs.readdirSync('/proc'); } catch { return m; }
  for (const e of ents) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      m.set(Number(e), { comm, ticks: Number(f[11]) + Number(f[12]), ppid: Number(f[1]) });
    } catch { /* gone */ }
  }
  return m;
}
function topOthers(a, b, sec, exclude) {
  const out = [];
  for (const [pid, x] of b) {
    if (exclude.has(pid)) continue;
    const d = x.ticks - (a.has(pid) ? a.get(pid).ticks : 0);
    if (d > 0) out.push({ pid, comm: x.comm, cores: d / 100 / sec });
  }
  out.sort((p, q) => q.cores - p.cores);
  return out.slice(0, 6).map((x) => ({ ...x, cores: Math.round(x.cores * 1000) / 1000 }));
}

function peaksInit() { return Object.fromEntries(FIELDS.map((f) => [f, 0])); }
function bump(p, st) { for (const f of FIELDS) if (st[f] != null && st[f] > p[f]) p[f] = st[f]; }

const senderCache = new Map();
function isSender(pid) {
  if (!senderCache.has(pid)) {
    let c = '';
    try { c = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { /* gone */ }
    senderCache.set(pid, /tools\/send\.js/.test(c));
  }
  return senderCache.get(pid);
}

function finish(name) {
  const t = tracked.get(name);
  if (!t) return;
  tracked.delete(name);
  done.add(`${name}:${t.pid}`);
  const kb2 = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [`${k.toLowerCase()}_kb`, v]));
  const out = {
    pid: t.pid,
    comm: t.comm,
    interval_ms: o.intervalMs,
    samples: t.samples,
    first_sample_ms: t.first,
    last_sample_ms: t.last,
    watcher_cpu_s_so_far: (() => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; })(),
    note: 'peaks of /proc/PID/status fields sampled every interval_ms (vmhwm_kb is the kernel\'s exact high-water mark of VmRSS)',
    machine_during_ingest: (() => {
      const a = t.readySnap, b = t.ingestedSnap;
      if (!a || !b) return null;
      const sec = (b.time_ms - a.time_ms) / 1000;
      let top = null;
      if (t.readyProcs && t.ingestedProcs) {
        // exclude the server and the harness's sender (node .../send.js), which the harness accounts for
        const ex = new Set([t.pid, process.pid]);
        for (const [pid, x] of t.ingestedProcs) if (x.comm === 'node' && isSender(pid)) ex.add(pid);
        top = topOthers(t.readyProcs, t.ingestedProcs, sec, ex);
      }
      return { window_s: sec, busy_cores: (b.busy_s - a.busy_s) / sec, steal_cores: (b.steal_s - a.steal_s) / sec, top_other_processes: top,
        note: 'from when proc_ready.json appeared to when proc_ingested.json appeared (the harness\'s CPU window, +-interval); busy excludes steal' };
    })(),
    ingest: kb2(t.ingest),
    whole: kb2(t.whole),
  };
  const dir = path.join(o.results, name);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'bench_mem.json'), JSON.stringify(out, null, 2) + '\n');
  } catch (e) {
    console.error(`memwatch: cannot write ${dir}/bench_mem.json: ${e.message}`);
  }
}

function discover() {
  let ents;
  try { ents = fs.readdirSync(o.work); } catch { return; }
  for (const e of ents) {
    if (!e.startsWith(prefix)) continue;
    const name = e.slice(prefix.length);
    if (tracked.has(name)) continue;
    const pf = path.join(o.work, e, 'pid');
    let pid, st;
    try { st = fs.statSync(pf); pid = Number(fs.readFileSync(pf, 'utf8').trim()); } catch { continue; }
    if (!(pid > 0) || st.mtimeMs < t0 - 1000 || done.has(`${name}:${pid}`)) continue;
    if (!fs.existsSync(`/proc/${pid}`)) continue;
    tracked.set(name, { pid, comm: '', samples: 0, first: Date.now(), last: 0, ingest: peaksInit(), whole: peaksInit(), ingested: false });
  }
}

function tick() {
  discover();
  for (const [name, t] of tracked) {
    const st = readStatus(t.pid);
    if (!st) { finish(name); continue; }
    if (st.name !== 'bash') t.comm = st.name;
    t.samples++;
    t.last = Date.now();
    if (!t.readySnap && fs.existsSync(path.join(o.results, name, 'proc_ready.json'))) { t.readySnap = sysstat(); t.readyProcs = procTicks(); }
    if (!t.ingested && fs.existsSync(path.join(o.results, name, 'proc_ingested.json'))) {
      t.ingested = true; t.ingestedSnap = sysstat(); t.ingestedProcs = procTicks();
    }
    if (!t.ingested) bump(t.ingest, st);
    bump(t.whole, st);
  }
}

const timer = setInterval(tick, o.intervalMs);
function stop() {
  clearInterval(timer);
  tick();
  for (const name of [...tracked.keys()]) finish(name);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
