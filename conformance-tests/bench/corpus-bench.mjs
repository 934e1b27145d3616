// hal9's browser tools against Playwright MCP on real pages nobody here wrote: the article-extraction benchmark of
// Zyte (scrapinghub/article-extraction-benchmark: 181 saved news and blog pages with a human-checked articleBody for
// each). The pages are served on 127.0.0.1 from a checkout of that repository (never copied into this one); every
// other host the pages name fails at once (--host-resolver-rules), in both servers' Chromium. Per page and server:
// navigate latency, snapshot tokens (o200k_base), refs on visible controls against a count taken from the DOM, and
// for hal9 word-level precision/recall/F1 of what=text against the ground truth. Prints a Markdown section.
//   node bench/corpus-bench.mjs ROOT --corpus DIR [--limit N]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { getEncoding } from 'js-tiktoken';
import { chromium as pwChromium } from 'playwright-core';

const root = process.argv[2];
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const corpus = arg('--corpus');
const limit = Number(arg('--limit') ?? 60);
if (!corpus || !fs.existsSync(path.join(corpus, 'ground-truth.json'))) {
  console.error('usage: corpus-bench.mjs ROOT --corpus DIR [--limit N], DIR a checkout of '
    + 'https://github.com/scrapinghub/article-extraction-benchmark (ground-truth.json and html/*.html.gz)');
  process.exit(2);
}
const noDns = '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1';
const executable = '/usr/bin/chromium';
const node = process.execPath;
const pwCli = path.join(root, 'conformance-tests/node_modules/@playwright/mcp/cli.js');
const hal9 = path.join(root, 'hal9');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hal9-corpus-bench-'));
const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config'),
  XDG_CACHE_HOME: path.join(home, 'cache'), PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', HAL9_FAMILIES_BROWSER_EXTRA__ARGS: noDns };
const enc = getEncoding('o200k_base');
const tokens = (text) => enc.encode(text).length;

// ---- the corpus: the first N pages by id (sorted, so every run takes the same ones)
const truth = JSON.parse(fs.readFileSync(path.join(corpus, 'ground-truth.json'), 'utf8'));
const ids = Object.keys(truth).filter((id) => fs.existsSync(path.join(corpus, 'html', id + '.html.gz'))).sort().slice(0, limit);
let commit = 'unknown';
try { commit = execFileSync('git', ['-C', corpus, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* a plain copy */ }
const site = http.createServer((req, res) => {
  const id = req.url.slice(1).replace(/\.html$/, '');
  if (!ids.includes(id)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'text/html' }); // the page's own <meta charset> decides
  res.end(zlib.gunzipSync(fs.readFileSync(path.join(corpus, 'html', id + '.html.gz'))));
});
await new Promise((ok) => site.listen(0, '127.0.0.1', ok));
const url = (id) => `http://127.0.0.1:${site.address().port}/${id}.html`;

// ---- the DOM's own count of visible controls, by an independent Playwright on the same Chromium
const CONTROL_ROLES = 'link|button|textbox|searchbox|checkbox|radio|combobox|listbox|slider|spinbutton|switch|tab|menuitem|menuitemcheckbox|menuitemradio|option|treeitem';
const domBrowser = await pwChromium.launch({ executablePath: executable, args: ['--no-sandbox', noDns] });
async function domControls(id) {
  const page = await domBrowser.newPage();
  try {
    await page.goto(url(id), { waitUntil: 'load', timeout: 30000 }).catch(() => {});
    return await page.evaluate(() => {
      const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], '
        + '[role=checkbox], [role=radio], [role=tab], [role=menuitem], [role=switch], [role=combobox], [role=textbox], [contenteditable=true]';
      const hidden = (el) => el.closest('[aria-hidden=true], [inert]') !== null;
      return Array.from(document.querySelectorAll(selector))
        .filter((el) => !hidden(el) && el.checkVisibility({ checkVisibilityCSS: true }) && el.getClientRects().length > 0)
        .length;
    });
  } finally {
    await page.close();
  }
}
const controlLines = (snapshot) => snapshot.split('\n')
  .filter((line) => new RegExp(`^\\s*(?:- )?'?(?:${CONTROL_ROLES})\\b.*\\[(?:ref=)?(?:[a-z]\\d+)*e\\d+\\]`).test(line)).length;

// ---- word-level precision, recall and F1 of a text against the ground truth (bags of lower-case words)
const words = (text) => (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
function f1(predicted, expected) {
  const want = new Map();
  for (const w of words(expected)) want.set(w, (want.get(w) ?? 0) + 1);
  const got = words(predicted);
  let hit = 0;
  for (const w of got) { const n = want.get(w) ?? 0; if (n > 0) { hit++; want.set(w, n - 1); } }
  const truthCount = words(expected).length;
  const precision = got.length ? hit / got.length : 0;
  const recall = truthCount ? hit / truthCount : 0;
  return { precision, recall, f1: precision + recall ? 2 * precision * recall / (precision + recall) : 0 };
}

// ---- the two servers over stdio
const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
async function connect(command, args, options = {}) {
  const client = new Client({ name: 'corpus-bench', version: '1' });
  await client.connect(new StdioClientTransport({ command, args, env, stderr: 'ignore', ...options }));
  return client;
}
const hal9Client = await connect(hal9, ['serve', '--stdio']);
const opened = await hal9Client.callTool({ name: 'browser_session', arguments: { action: 'open' } });
const session = opened.structuredContent.session;
async function hal9Pages(what, extra = {}) {
  // every page of one snapshot (or of the text), at the largest page size
  let text = '';
  let snapshotId;
  for (let page = 1; ; page++) {
    const r = await hal9Client.callTool({ name: 'browser_extract', arguments: { session, what, page, pageTokens: 100000, ...extra, ...(snapshotId ? { snapshotId } : {}) } });
    if (r.isError) throw new Error(textOf(r));
    snapshotId = r.structuredContent.snapshotId;
    // the page's own text: without the title/URL line, a note, and the footer about other pages
    text += textOf(r).split('\n').slice(1).filter((line) => !line.startsWith('Note: ')).join('\n').replace(/\n\[(?:snapshot s\d+, )?page \d+ of \d+[\s\S]*$/, '') + '\n';
    if (page >= (r.structuredContent.pages ?? 1)) return { text, mode: r.structuredContent.textMode };
  }
}
const pwConfig = path.join(home, 'playwright-mcp.json');
fs.writeFileSync(pwConfig, JSON.stringify({ browser: { launchOptions: { args: [noDns] } } }));
const pwClient = await connect(node, [pwCli, '--headless', '--isolated', '--no-sandbox', '--executable-path', executable,
  '--browser', 'chromium', '--config', pwConfig], { cwd: home });

const rows = [];
for (const id of ids) {
  const row = { id, url: truth[id].url };
  try {
    row.dom = await domControls(id);
    let t0 = performance.now();
    const nav = await hal9Client.callTool({ name: 'browser_navigate', arguments: { session, url: url(id), timeoutMs: 30000 } });
    row.hal9Ms = performance.now() - t0;
    if (nav.isError) throw new Error('hal9: ' + textOf(nav));
    row.hal9Navigate = tokens(textOf(nav));
    row.hal9Pages = nav.structuredContent.snapshotPages ?? 1;
    // a snapshot taken by its own call after the navigation, as Playwright MCP's browser_snapshot is below (late
    // content, such as menus a page's scripts build after load, is then in both)
    const snapshot = await hal9Pages('snapshot');
    row.hal9Tokens = tokens(snapshot.text);
    row.hal9Controls = controlLines(snapshot.text);
    const article = await hal9Pages('text');
    row.textMode = article.mode;
    row.article = f1(article.text, truth[id].articleBody);
    row.articleTokens = tokens(article.text);
    const whole = await hal9Pages('text', { textMode: 'page' });
    row.page = f1(whole.text, truth[id].articleBody);
    row.pageTokens = tokens(whole.text);
    t0 = performance.now();
    const pwNav = await pwClient.callTool({ name: 'browser_navigate', arguments: { url: url(id) } });
    const pwSnap = await pwClient.callTool({ name: 'browser_snapshot', arguments: {} });
    row.pwMs = performance.now() - t0;
    const pwText = textOf(pwSnap);
    row.pwNavigate = tokens(textOf(pwNav));
    row.pwTokens = tokens(pwText);
    row.pwControls = controlLines(pwText);
    row.pwText = f1(pwText.replace(/\[(?:ref=)?[a-z0-9]+\]|\[cursor=pointer\]/g, ' '), truth[id].articleBody);
    row.truthTokens = tokens(truth[id].articleBody);
  } catch (e) {
    row.error = String(e.message ?? e).split('\n')[0].slice(0, 200);
  }
  rows.push(row);
  console.error(id.slice(0, 12), row.error ?? `dom ${row.dom} hal9 ${row.hal9Controls} pw ${row.pwControls}; F1 ${row.article?.f1.toFixed(2)}`);
}
await hal9Client.close().catch(() => {});
await pwClient.close().catch(() => {});
await domBrowser.close();
site.close();

// ---- the section
const ok = rows.filter((r) => !r.error);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(s.length * q) - 1)]; };
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const coverage = (key) => { const dom = ok.filter((r) => r.dom > 0); return mean(dom.map((r) => Math.min(1, r[key] / r.dom))); };
const over = (key, n) => ok.filter((r) => r[key] > n).length;
let out = `\n## Browser on real pages: hal9 vs Playwright MCP\n\n`
  + `${ok.length} of ${rows.length} pages measured (the first ${rows.length} by id of the ${Object.keys(truth).length} in `
  + `[scrapinghub/article-extraction-benchmark](https://github.com/scrapinghub/article-extraction-benchmark) at ${commit.slice(0, 12)}: `
  + `saved news and blog pages, each with a human-checked articleBody), served on 127.0.0.1; every other host fails at once `
  + `(${'`'}--host-resolver-rules${'`'}). One session each, over stdio. Tokens are o200k_base.\n\n`
  + `| figure | hal9 | Playwright MCP |\n|---|---|---|\n`
  + `| navigate result, median tokens | ${median(ok.map((r) => r.hal9Navigate))} | ${median(ok.map((r) => r.pwNavigate))} |\n`
  + `| whole snapshot, median tokens (p90) | ${median(ok.map((r) => r.hal9Tokens))} (${pct(ok.map((r) => r.hal9Tokens), 0.9)}) | ${median(ok.map((r) => r.pwTokens))} (${pct(ok.map((r) => r.pwTokens), 0.9)}) |\n`
  + `| pages whose whole snapshot is over 25k tokens | ${over('hal9Tokens', 25000)} | ${over('pwTokens', 25000)} |\n`
  + `| pages whose navigate result is not the whole snapshot (hal9: more than one page at 20k tokens) | ${ok.filter((r) => r.hal9Pages > 1).length} | ${ok.length} (it returns a file link) |\n`
  + `| visible controls with a ref, mean over pages, against the DOM's count | ${(100 * coverage('hal9Controls')).toFixed(1)}% | ${(100 * coverage('pwControls')).toFixed(1)}% |\n`
  + `| navigate (+ snapshot for Playwright MCP) latency, median ms (p90) | ${median(ok.map((r) => r.hal9Ms)).toFixed(0)} (${pct(ok.map((r) => r.hal9Ms), 0.9).toFixed(0)}) | ${median(ok.map((r) => r.pwMs)).toFixed(0)} (${pct(ok.map((r) => r.pwMs), 0.9).toFixed(0)}) |\n`
  + `\nText against the ground truth (word-level bags, per page, then the mean; Playwright MCP has no text mode, so its `
  + `snapshot is what a model reads there):\n\n| text | precision | recall | F1 | median tokens |\n|---|---|---|---|---|\n`
  + `| hal9 ${'`'}what=text${'`'} (article: Readability) | ${mean(ok.map((r) => r.article.precision)).toFixed(3)} | ${mean(ok.map((r) => r.article.recall)).toFixed(3)} | ${mean(ok.map((r) => r.article.f1)).toFixed(3)} | ${median(ok.map((r) => r.articleTokens))} |\n`
  + `| hal9 ${'`'}what=text textMode=page${'`'} | ${mean(ok.map((r) => r.page.precision)).toFixed(3)} | ${mean(ok.map((r) => r.page.recall)).toFixed(3)} | ${mean(ok.map((r) => r.page.f1)).toFixed(3)} | ${median(ok.map((r) => r.pageTokens))} |\n`
  + `| Playwright MCP ${'`'}browser_snapshot${'`'} | ${mean(ok.map((r) => r.pwText.precision)).toFixed(3)} | ${mean(ok.map((r) => r.pwText.recall)).toFixed(3)} | ${mean(ok.map((r) => r.pwText.f1)).toFixed(3)} | ${median(ok.map((r) => r.pwTokens))} |\n`
  + `| the ground truth itself | 1 | 1 | 1 | ${median(ok.map((r) => r.truthTokens))} |\n`
  + `\nhal9 found an article on ${ok.filter((r) => r.textMode === 'article').length} of ${ok.length} pages (the rest fell back to the whole page, and said so). `
  + `Pages with F1 below 0.5 in article mode: ${ok.filter((r) => r.article.f1 < 0.5).map((r) => r.id.slice(0, 8)).join(', ') || 'none'}.\n`;
const failed = rows.filter((r) => r.error);
if (failed.length) out += `\nNot measured: ${failed.map((r) => `${r.id.slice(0, 8)} (${r.error})`).join('; ')}.\n`;
console.log(out);
process.exit(0);
