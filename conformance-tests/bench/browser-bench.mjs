// hal9's browser tools against Playwright MCP (@playwright/mcp), same pages, same Chromium, same run:
// (a) navigate + snapshot latency, (b) snapshot size in o200k_base tokens (js-tiktoken) with a check that every
// interactive element keeps a ref, (c) memory (PSS of the whole process tree), wall time, CPU time and p95 latency
// at 1, 10 and 50 concurrent sessions, the same loads done by one session, and (Playwright MCP) 50 processes, on the real pages of
// scrapinghub/article-extraction-benchmark when --corpus DIR names a checkout of it. Prints a Markdown section;
// bench/run-browser.sh appends it to RESULTS.md.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { getEncoding } from 'js-tiktoken';

const root = process.argv[2];
const quick = process.argv.includes('--quick');
// --pairs K: only hal9's 50 concurrent sessions and the same loads done one after another, K times in turn, with
// each pair's ratio: the machine's speed drifts between runs, and a pair run back to back shares most of the drift
const pairsAt = process.argv.indexOf('--pairs');
const pairs = pairsAt > 0 ? Number(process.argv[pairsAt + 1]) : 0;
if (pairsAt > 0 && !(pairs >= 1)) throw new Error('--pairs takes a count of pairs, such as --pairs 4');
const chromium = '/usr/bin/chromium';
const node = process.execPath;
const pwCli = path.join(root, 'conformance-tests/node_modules/@playwright/mcp/cli.js');
const hal9 = path.join(root, 'hal9');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hal9-browser-bench-'));
const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config'),
  XDG_CACHE_HOME: path.join(home, 'cache'), PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  // every benchmark client is the same local principal; let it hold 50 sessions
  HAL9_FAMILIES_BROWSER_MAX__SESSIONS__PER__PRINCIPAL: '100', HAL9_FAMILIES_BROWSER_MAX__SESSIONS: '100' };
const enc = getEncoding('o200k_base');
// every other host the pages name fails at once, in both servers' Chromium
const noDns = '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1';
env.HAL9_FAMILIES_BROWSER_EXTRA__ARGS = noDns;
const pwConfig = path.join(home, 'playwright-mcp.json');
fs.writeFileSync(pwConfig, JSON.stringify({ browser: { launchOptions: { args: [noDns] } } }));
// --corpus DIR (a checkout of scrapinghub/article-extraction-benchmark): section (c) loads its real pages
const corpusAt = process.argv.indexOf('--corpus');
const corpus = corpusAt > 0 ? process.argv[corpusAt + 1] : null;
const real = corpus
  ? fs.readdirSync(path.join(corpus, 'html')).filter((f) => f.endsWith('.html.gz')).map((f) => f.slice(0, -8)).sort().slice(0, 50)
  : [];

// ---- the pages, with their interactive elements counted by construction
function shop() {
  let body = '<header><nav>' + Array.from({ length: 10 }, (_, i) => `<a href="/c${i}">Category ${i}</a>`).join(' ') + '</nav>'
    + '<form action="/search"><label>Search <input name="q"></label><button>Search</button></form></header><main><h1>Pens</h1><div class="grid">';
  for (let i = 0; i < 40; i++) {
    body += `<div class="card"><div class="media"><img alt="Pen ${i}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></div>`
      + `<div class="body"><h2><a href="/p${i}">Fine pen model ${i}</a></h2><div class="price"><span>$</span><span>${(i * 1.37 + 2).toFixed(2)}</span></div>`
      + `<div class="rating"><span>★★★★☆</span> <span>(${i * 7} reviews)</span></div><button>Add to cart</button></div></div>`;
  }
  body += '</div></main><footer>' + Array.from({ length: 20 }, (_, i) => `<a href="/f${i}">Footer link ${i}</a>`).join(' ') + '</footer>';
  return { body, interactive: 10 + 2 + 40 * 2 + 20 };
}
function form() {
  let body = '<h1>Checkout</h1><form>';
  const names = ['First name', 'Last name', 'Street', 'City', 'Postcode', 'Phone', 'Email', 'Card number', 'Expiry', 'CVC'];
  names.forEach((n) => { body += `<div class="row"><label>${n} <input name="${n}"></label></div>`; });
  body += '<label>Country <select><option>Norway</option><option>Peru</option></select></label>'
    + '<label><input type="checkbox"> Save address</label><button>Pay</button></form>';
  return { body, interactive: names.length + 3 };
}
function big() {
  let body = '<h1>Catalogue</h1><ul>';
  for (let i = 0; i < 2500; i++) body += `<li><span>Item ${i}</span> <em>in stock</em> <button>Buy ${i}</button></li>`;
  return { body: body + '</ul>', interactive: 2500 };
}
const pages = { shop: shop(), form: form(), big: big() };
const site = http.createServer((req, res) => {
  if (req.url.startsWith('/real/')) {
    const id = req.url.slice('/real/'.length).replace(/\.html$/, '');
    if (!real.includes(id)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(zlib.gunzipSync(fs.readFileSync(path.join(corpus, 'html', id + '.html.gz'))));
    return;
  }
  const name = req.url.slice(1).split('?')[0] || 'shop';
  const page = pages[name] || pages.shop;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><title>${name}</title></head><body>${page.body}</body></html>`);
});
await new Promise((ok) => site.listen(0, '127.0.0.1', ok));
const url = (name) => `http://127.0.0.1:${site.address().port}/${name}`;

// ---- the two servers
async function hal9Stdio() {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: hal9, args: ['serve', '--stdio'], env, stderr: 'ignore' }));
  const open = await client.callTool({ name: 'browser_session', arguments: { action: 'open' } });
  const session = open.structuredContent.session;
  return {
    client,
    navigate: (u) => client.callTool({ name: 'browser_navigate', arguments: { session, url: u } }),
    fullSnapshot: async () => {
      // every page of one snapshot (snapshotId), at the largest page size; the snapshot is in the text only
      let text = '';
      let snapshotId;
      for (let page = 1; ; page++) {
        const args = { session, what: 'snapshot', page, pageTokens: 100000, ...(snapshotId ? { snapshotId } : {}) };
        const r = await client.callTool({ name: 'browser_extract', arguments: args });
        snapshotId = r.structuredContent.snapshotId;
        text += r.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n') + '\n';
        if (page >= r.structuredContent.pages) return text;
      }
    },
  };
}
const pwArgs = ['--headless', '--isolated', '--no-sandbox', '--executable-path', chromium, '--browser', 'chromium', '--config', pwConfig];
async function playwrightStdio() {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: node, args: [pwCli, ...pwArgs], env, cwd: home, stderr: 'ignore' }));
  let last;
  return {
    client,
    navigate: async (u) => (last = await client.callTool({ name: 'browser_navigate', arguments: { url: u } })),
    fullSnapshot: async () => {
      const r = await client.callTool({ name: 'browser_snapshot', arguments: {} });
      return r.content.map((c) => c.text ?? '').join('\n');
    },
  };
}
const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const tokens = (text) => enc.encode(text).length;
const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return { p50: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] }; };
const refsIn = (text) => new Set(text.match(/\[(?:ref=)?[a-z0-9]*e\d+\]/g) ?? []).size;

let out = `\n## Browser: hal9 vs Playwright MCP\n\nPeer: \`@playwright/mcp\` ${JSON.parse(fs.readFileSync(path.join(root, 'conformance-tests/node_modules/@playwright/mcp/package.json'))).version} `
  + `(${pwArgs.join(' ')}), the same Debian Chromium, pages served on 127.0.0.1 by the benchmark: shop (a product grid, ${pages.shop.interactive} interactive elements), `
  + `form (a checkout form, ${pages.form.interactive}), big (10,000 nodes, ${pages.big.interactive} buttons). Tokens are o200k_base (js-tiktoken).\n\n`;

// ---- (a) and (b)
if (!pairs) {
  const rounds = quick ? 3 : 10;
  const servers = { hal9: await hal9Stdio(), 'Playwright MCP': await playwrightStdio() };
  out += `### (a) navigate + snapshot latency, one session over stdio (${rounds} loads per page after one warm-up)\n\n| page | server | p50 ms | p95 ms |\n|---|---|---|---|\n`;
  const sizes = {};
  for (const name of Object.keys(pages)) {
    for (const [label, server] of Object.entries(servers)) {
      await server.navigate(url(name));
      const times = [];
      let result;
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        result = await server.navigate(url(name));
        times.push(performance.now() - t0);
      }
      const s = stats(times);
      out += `| ${name} | ${label} | ${s.p50.toFixed(0)} | ${s.p95.toFixed(0)} |\n`;
      const full = await server.fullSnapshot();
      sizes[`${name}/${label}`] = { response: tokens(textOf(result)), full: tokens(full), refs: refsIn(full) };
    }
  }
  out += `\n### (b) snapshot size in tokens\n\n"navigate result" is the text the model receives from browser_navigate (Playwright MCP 0.0.83 writes the navigate snapshot to a file in its working directory and returns only a link to it, so a model must call browser_snapshot to see the page; hal9 returns its snapshot inline, the first page of at most 20,000 tokens (families.browser.page-tokens)); "whole snapshot" is every page of hal9's paged snapshot, and Playwright MCP's browser_snapshot. "refs" counts distinct element refs in the whole snapshot; the page's interactive elements are counted by construction.\n\n| page | interactive elements | hal9 navigate result | Playwright MCP navigate result | hal9 whole snapshot | Playwright MCP whole snapshot | hal9 / Playwright MCP (whole) | hal9 refs | Playwright MCP refs |\n|---|---|---|---|---|---|---|---|---|\n`;
  for (const name of Object.keys(pages)) {
    const h = sizes[`${name}/hal9`];
    const p = sizes[`${name}/Playwright MCP`];
    out += `| ${name} | ${pages[name].interactive} | ${h.response} | ${p.response} | ${h.full} | ${p.full} | ${(h.full / p.full).toFixed(2)} | ${h.refs} | ${p.refs} |\n`;
  }
  for (const server of Object.values(servers)) await server.client.close();
}

// ---- (c) concurrent sessions over HTTP
/** The live processes: each one's parent, command line and CPU ticks (its own and its waited-for children's). */
function processes() {
  const children = new Map();
  const info = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
      // utime, stime, and the children's cutime, cstime: processes that ended still count through their parent
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      info.set(Number(entry), { ticks, cmd: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8') });
    } catch { /* gone */ }
  }
  return { children, info };
}
async function waitPort(port) {
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise((done) => { const s = http.get({ host: '127.0.0.1', port, path: '/' }, () => { s.destroy(); done(true); }); s.on('error', () => done(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nothing on port ' + port);
}
const freePort = () => new Promise((ok) => { const s = http.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });
/** Each process of the trees under pids, once. */
function tree(pids, table = processes()) {
  const seen = [];
  const walk = (p) => { seen.push(p); (table.children.get(p) ?? []).forEach(walk); };
  pids.forEach(walk);
  return seen;
}
/** PSS in MiB, summed over the trees under pids. */
function pss(pids) {
  let total = 0;
  for (const p of tree(pids)) {
    try {
      const rollup = fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      total += Number((rollup.match(/^Pss:\s+(\d+)/m) ?? [0, 0])[1]);
    } catch { /* gone */ }
  }
  return total / 1024;
}
/**
 * CPU seconds (user + system) used so far by the trees under pids, by kind of process: Chromium (all its
 * processes), the Playwright driver hal9's JVM starts (node ... run-driver), and the server itself (hal9's JVM, or
 * Playwright MCP's Node, which is its own Playwright client).
 */
function cpu(pids) {
  const table = processes();
  const by = { server: 0, driver: 0, chromium: 0 };
  for (const p of tree(pids, table)) {
    const { ticks, cmd } = table.info.get(p) ?? { ticks: 0, cmd: '' };
    // by the program, not the arguments: Playwright MCP's own command line names the Chromium it drives
    const program = path.basename(cmd.split(/[\0 ]/)[0]);
    const kind = program.startsWith('chrom') ? 'chromium' : cmd.includes('run-driver') ? 'driver' : 'server';
    by[kind] += ticks / 100; // USER_HZ
  }
  by.total = by.server + by.driver + by.chromium;
  return by;
}
const counts = quick ? [1, 10] : [1, 10, 50];
const most = counts.at(-1);
const target = (i) => (real.length ? `http://127.0.0.1:${site.address().port}/real/${real[i % real.length]}.html` : url('shop'));
const where = real.length
  ? `the ${real.length} first real pages by id of scrapinghub/article-extraction-benchmark (session i loads page i)`
  : 'the shop page';
out += `\n### (c) concurrent sessions over Streamable HTTP: memory, time and CPU\n\nOne server process each, except in `
  + `"${most} processes": N MCP clients, each with its own browser session, navigate to ${where} 3 times concurrently `
  + `(after one warm-up load each). "sequential" is the same ${most} × 3 loads by one session, one after another. `
  + `"${most} processes" is ${most} Playwright MCP servers, each with its own Chromium and one client (warmed up one after another), all at once: what `
  + `it takes to give ${most} agents a browser each with Playwright MCP, since one of its processes serves one browser. `
  + `Wall is the timed loads' elapsed time; CPU is the user + system time of the servers' whole process trees during `
  + `them, split into the server (hal9's JVM, or Playwright MCP's Node, which is its own Playwright client), hal9's `
  + `Playwright driver (Node) and Chromium (all its processes). PSS is summed over those trees with all N sessions `
  + `open.\n\n`
  + `| sessions | server | PSS MiB | wall s | CPU s | CPU server / driver / Chromium s | navigate p50 ms | navigate p95 ms | errors |\n`
  + `|---|---|---|---|---|---|---|---|---|\n`;
const runs = pairs ? Array.from({ length: pairs }, () => [{ label: 'hal9', n: most }, { label: 'hal9', n: 'sequential' }]).flat() : [
  ...[...counts, 'sequential'].map((n) => ({ label: 'hal9', n })),
  ...[...counts, 'sequential'].map((n) => ({ label: 'Playwright MCP', n })),
  ...(quick ? [] : [{ label: 'Playwright MCP', n: 'processes' }]),
];
const walls = [];
for (const { label, n } of runs) {
  const sequential = n === 'sequential';
  const separate = n === 'processes';
  const sessions = sequential ? 1 : separate ? most : n;
  const servers = [];
  const start = async () => {
    const port = await freePort();
    const proc = label === 'hal9'
      ? spawn(hal9, ['serve', '--http', `127.0.0.1:${port}`], { env, stdio: 'ignore' })
      : spawn(node, [pwCli, ...pwArgs, '--port', String(port), '--host', '127.0.0.1', '--allowed-hosts', `127.0.0.1:${port}`], { env, cwd: home, stdio: 'ignore' });
    servers.push(proc);
    await waitPort(port);
    return new URL(`http://127.0.0.1:${port}/mcp`);
  };
  try {
    const shared = separate ? null : await start();
    const endpoints = separate ? await Promise.all(Array.from({ length: sessions }, start)) : null;
    const clients = await Promise.all(Array.from({ length: sessions }, async (_, index) => {
      const c = new Client({ name: 'bench', version: '1' });
      await c.connect(new StreamableHTTPClientTransport(separate ? endpoints[index] : shared));
      let session;
      if (label === 'hal9') {
        const opened = await c.callTool({ name: 'browser_session', arguments: { action: 'open' } });
        if (opened.isError) throw new Error('hal9 refused a session: ' + opened.content[0].text);
        session = opened.structuredContent.session;
      }
      return { c, session, index };
    }));
    const pids = servers.map((proc) => proc.pid);
    const nav = ({ c, session }, page) => c.callTool({ name: 'browser_navigate', arguments: label === 'hal9' ? { session, url: target(page) } : { url: target(page) } },
      undefined, { timeout: 120000 });
    // warm-up: every session gets its page (a session that fails here counts as errors below). Separate
    // Playwright MCP processes warm up one after another: 50 of them launching Chromium at once left 43 of 50
    // first navigations (to about:blank) unanswered after 300 s on 2 cores, which says nothing of their steady state
    const warm = separate
      ? await clients.reduce(async (done, client) => [...await done, ...await Promise.allSettled([nav(client, client.index)])], [])
      : await Promise.allSettled(clients.map((client) => nav(client, client.index)));
    let errors = warm.filter((r) => r.status === 'rejected' || r.value.isError).length;
    let firstError = warm.map((r) => (r.status === 'rejected' ? String(r.reason) : r.value.isError ? r.value.content?.[0]?.text : null)).find(Boolean);
    const memory = pss(pids);
    const times = [];
    const timed = async (client, page) => {
      const t0 = performance.now();
      try {
        const r = await nav(client, page);
        if (r.isError) { errors++; firstError ??= r.content?.[0]?.text; } else times.push(performance.now() - t0);
      } catch (e) { errors++; firstError ??= String(e); }
    };
    const cpu0 = cpu(pids);
    const wall0 = performance.now();
    if (sequential) {
      for (let i = 0; i < most * 3; i++) await timed(clients[0], i % most);
    } else {
      await Promise.all(clients.map(async (client) => { for (let i = 0; i < 3; i++) await timed(client, client.index); }));
    }
    const wall = (performance.now() - wall0) / 1000;
    const cpu1 = cpu(pids);
    const used = Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k] - cpu0[k]]));
    // processes that ended without a waiting parent take their CPU time with them: then there is no figure
    const ended = Object.values(used).some((v) => v < 0);
    const cpuText = ended ? '– (processes ended)' : used.total.toFixed(1);
    const splitText = ended ? '–' : label === 'hal9'
      ? `${used.server.toFixed(1)} / ${used.driver.toFixed(1)} / ${used.chromium.toFixed(1)}`
      : `${used.server.toFixed(1)} / – / ${used.chromium.toFixed(1)}`;
    const s = stats(times);
    const name = sequential ? `${most} sequential` : separate ? `${most} processes` : String(n);
    walls.push(wall);
    out += times.length === 0
      ? `| ${name} | ${label} | ${memory.toFixed(0)} | ${wall.toFixed(1)} | ${cpuText} | ${splitText} | – | – | ${errors} (no call succeeded) |\n`
      : `| ${name} | ${label} | ${memory.toFixed(0)} | ${wall.toFixed(1)} | ${cpuText} | ${splitText} | ${s.p50.toFixed(0)} | ${s.p95.toFixed(0)} | ${errors} |\n`;
    console.error(`${label} ${name}: ${memory.toFixed(0)} MiB, wall ${wall.toFixed(1)} s, CPU ${cpuText} s (${splitText}), p95 ${s.p95?.toFixed(0)} ms, ${errors} errors${firstError ? ' (first: ' + String(firstError).slice(0, 200) + ')' : ''}`);
    await Promise.all(clients.map(({ c }) => c.close().catch(() => {})));
  } finally {
    servers.forEach((proc) => proc.kill('SIGTERM'));
    await new Promise((r) => setTimeout(r, 1500));
    servers.forEach((proc) => { try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } });
  }
}
if (pairs) {
  const ratios = Array.from({ length: pairs }, (_, i) => walls[2 * i] / walls[2 * i + 1]);
  out += `\n${most} concurrent / sequential wall, pair by pair: ${ratios.map((r) => r.toFixed(2)).join(', ')}; `
    + `median ${stats(ratios).p50.toFixed(2)}\n`;
}
site.close();
console.log(out);
process.exit(0);
