// hal9's browser tools against Playwright MCP (@playwright/mcp), same pages, same Chromium, same run:
// (a) navigate + snapshot latency, (b) snapshot size in o200k_base tokens (js-tiktoken) with a check that every
// interactive element keeps a ref, (c) memory (PSS of the whole process tree), wall time, CPU time and p95 latency
// at 1, 10 and 50 concurrent sessions and the same loads done by one session, on the real pages of
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

// ---- (c) concurrent sessions over HTTP
function pss(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch { /* gone */ }
  }
  let total = 0;
  const walk = (p) => {
    try {
      const rollup = fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      total += Number((rollup.match(/^Pss:\s+(\d+)/m) ?? [0, 0])[1]);
    } catch { /* gone */ }
    (children.get(p) ?? []).forEach(walk);
  };
  walk(pid);
  return total / 1024;
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
/** CPU seconds (user + system) used so far by a process and its live descendants. */
function cpu(pid) {
  const children = new Map();
  const ticks = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
      // utime, stime, and the children's cutime, cstime: processes that ended still count through their parent
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
    } catch { /* gone */ }
  }
  let total = 0;
  const walk = (p) => { total += ticks.get(p) ?? 0; (children.get(p) ?? []).forEach(walk); };
  walk(pid);
  return total / 100; // USER_HZ
}
const counts = quick ? [1, 10] : [1, 10, 50];
const target = (i) => (real.length ? `http://127.0.0.1:${site.address().port}/real/${real[i % real.length]}.html` : url('shop'));
const where = real.length
  ? `the ${real.length} first real pages by id of scrapinghub/article-extraction-benchmark (session i loads page i)`
  : 'the shop page';
out += `\n### (c) concurrent sessions over Streamable HTTP: memory, time and CPU\n\nOne server process each; N MCP clients, `
  + `each with its own browser session, navigate to ${where} 3 times concurrently (after one warm-up load each). `
  + `"sequential" is the same ${counts.at(-1)} × 3 loads by one session, one after another. Wall is the timed loads' `
  + `elapsed time; CPU is the user + system time of the server's whole process tree (JVM or Node, Playwright `
  + `driver, Chromium) during them. PSS is summed over that tree with all N sessions open.\n\n`
  + `| sessions | server | PSS MiB | wall s | CPU s | navigate p50 ms | navigate p95 ms | errors |\n|---|---|---|---|---|---|---|---|\n`;
for (const label of ['hal9', 'Playwright MCP']) {
  for (const n of [...counts, 'sequential']) {
    const sequential = n === 'sequential';
    const sessions = sequential ? 1 : n;
    const port = await freePort();
    const proc = label === 'hal9'
      ? spawn(hal9, ['serve', '--http', `127.0.0.1:${port}`], { env, stdio: 'ignore' })
      : spawn(node, [pwCli, ...pwArgs, '--port', String(port), '--host', '127.0.0.1', '--allowed-hosts', `127.0.0.1:${port}`], { env, cwd: home, stdio: 'ignore' });
    try {
      await waitPort(port);
      const endpoint = new URL(`http://127.0.0.1:${port}/mcp`);
      const clients = await Promise.all(Array.from({ length: sessions }, async (_, index) => {
        const c = new Client({ name: 'bench', version: '1' });
        await c.connect(new StreamableHTTPClientTransport(endpoint));
        let session;
        if (label === 'hal9') {
          const opened = await c.callTool({ name: 'browser_session', arguments: { action: 'open' } });
          if (opened.isError) throw new Error('hal9 refused a session: ' + opened.content[0].text);
          session = opened.structuredContent.session;
        }
        return { c, session, index };
      }));
      const nav = ({ c, session }, page) => c.callTool({ name: 'browser_navigate', arguments: label === 'hal9' ? { session, url: target(page) } : { url: target(page) } },
        undefined, { timeout: 300000 });
      // warm-up: every session gets its page (a session that fails here counts as errors below)
      const warm = await Promise.allSettled(clients.map((client) => nav(client, client.index)));
      let errors = warm.filter((r) => r.status === 'rejected' || r.value.isError).length;
      const memory = pss(proc.pid);
      const times = [];
      const timed = async (client, page) => {
        const t0 = performance.now();
        try { const r = await nav(client, page); if (r.isError) errors++; else times.push(performance.now() - t0); } catch { errors++; }
      };
      const cpu0 = cpu(proc.pid);
      const wall0 = performance.now();
      if (sequential) {
        for (let i = 0; i < counts.at(-1) * 3; i++) await timed(clients[0], i % counts.at(-1));
      } else {
        await Promise.all(clients.map(async (client) => { for (let i = 0; i < 3; i++) await timed(client, client.index); }));
      }
      const wall = (performance.now() - wall0) / 1000;
      // processes that ended without a waiting parent take their CPU time with them: then there is no figure
      const used = cpu(proc.pid) - cpu0;
      const cpuText = used < 0 ? '– (processes ended)' : used.toFixed(1);
      const s = stats(times);
      const name = sequential ? `${counts.at(-1)} sequential` : String(n);
      out += times.length === 0
        ? `| ${name} | ${label} | ${memory.toFixed(0)} | ${wall.toFixed(1)} | ${cpuText} | – | – | ${errors} (no call succeeded) |\n`
        : `| ${name} | ${label} | ${memory.toFixed(0)} | ${wall.toFixed(1)} | ${cpuText} | ${s.p50.toFixed(0)} | ${s.p95.toFixed(0)} | ${errors} |\n`;
      console.error(`${label} ${name}: ${memory.toFixed(0)} MiB, wall ${wall.toFixed(1)} s, CPU ${used.toFixed(1)} s, p95 ${s.p95?.toFixed(0)} ms, ${errors} errors`);
      await Promise.all(clients.map(({ c }) => c.close().catch(() => {})));
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1500));
      try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}
site.close();
console.log(out);
process.exit(0);
