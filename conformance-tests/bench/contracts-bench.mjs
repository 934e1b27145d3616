// hal9's contract_compile (a warm Node worker behind an MCP stdio server) against a cold solcjs process per
// compile, same contracts, same compiler (the toolchain's solc-js), same standard JSON input. Prints a Markdown
// section; bench/run-contracts.sh appends it to RESULTS.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = process.argv[2];
const quick = process.argv.includes('--quick');
const warmRuns = quick ? 3 : 10;
const coldRuns = quick ? 2 : 5;
const toolchain = path.join(root, 'tools/contracts/toolchain');
const solcjs = path.join(toolchain, 'node_modules/solc/solc.js');
const node = 'node'; // the same Node the server's worker runs (first on PATH)
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hal9-contracts-bench-'));
const env = { ...process.env, HOME: home, HAL9_DATA__DIR: path.join(home, 'data') };

const counter = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract Counter {
    uint256 public count;
    event Counted(address indexed by, uint256 count);

    function increment() external {
        count += 1;
        emit Counted(msg.sender, count);
    }
}
`;

const client = new Client({ name: 'contracts-bench', version: '1' });
const started = process.hrtime.bigint();
await client.connect(new StdioClientTransport({ command: path.join(root, 'hal9'), args: ['serve', '--stdio'], env, stderr: 'ignore' }));
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
const connected = ms(started);

async function tool(name, args) {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 300000 });
  if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text}`);
  return r.structuredContent;
}

const contracts = [
  { label: 'Counter (no imports)', generate: { source: counter, fileName: 'Counter.sol' } },
  { label: 'ERC-20 mintable, burnable, pausable, permit (OpenZeppelin)',
    generate: { template: 'erc20', name: 'Hal Token', symbol: 'HAL', features: ['mintable', 'burnable', 'pausable', 'permit'] } },
  { label: 'ERC-721 mintable, burnable, pausable, enumerable, uri_storage (OpenZeppelin)',
    generate: { template: 'erc721', name: 'Hal Art', symbol: 'HART', features: ['mintable', 'burnable', 'pausable', 'enumerable', 'uri_storage'] } },
];

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95) };
}

const rows = [];
let firstCompile = null;
for (const c of contracts) {
  const generated = await tool('contract_generate', c.generate);
  const dir = fs.mkdtempSync(path.join(home, 'src-'));
  fs.writeFileSync(path.join(dir, generated.file), generated.source);
  // the input hal9's worker gets for the same compile (Compiler.java): same settings and output selection
  const input = { language: 'Solidity', sources: { [generated.file]: { content: generated.source } },
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { [generated.file]: { '*': ['abi', 'evm.bytecode.object',
      'evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] } } } };

  let t = process.hrtime.bigint();
  const first = await tool('contract_compile', { contract: generated.contract });
  if (!first.ok) throw new Error(`${c.label} did not compile: ${JSON.stringify(first.errors)}`);
  if (firstCompile === null) firstCompile = ms(t);
  const warm = [];
  for (let i = 0; i < warmRuns; i++) {
    t = process.hrtime.bigint();
    await tool('contract_compile', { contract: generated.contract });
    warm.push(ms(t));
  }
  const coldJson = [];
  const coldCli = [];
  for (let i = 0; i < coldRuns; i++) {
    t = process.hrtime.bigint();
    const json = spawnSync(node, [solcjs, '--standard-json', '--base-path', dir, '--include-path', path.join(toolchain, 'node_modules')],
      { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
    coldJson.push(ms(t));
    const out = json.stdout.slice(json.stdout.indexOf('{'));
    const parsed = JSON.parse(out);
    if ((parsed.errors ?? []).some((e) => e.severity === 'error')) throw new Error(`solcjs failed on ${c.label}`);
    t = process.hrtime.bigint();
    const cli = spawnSync(node, [solcjs, '--bin', '--abi', '--optimize', '--base-path', dir, '--include-path',
      path.join(toolchain, 'node_modules'), '-o', path.join(dir, 'out'), path.join(dir, generated.file)], { encoding: 'utf8' });
    coldCli.push(ms(t));
    if (cli.status !== 0) throw new Error(`solcjs --bin failed on ${c.label}: ${cli.stderr}`);
  }
  rows.push({ label: c.label, bytes: first.contracts.find((x) => x.name === generated.contractName).deployedBytes,
    warm: stats(warm), coldJson: stats(coldJson), coldCli: stats(coldCli) });
}
await client.close();

const f = (x) => x.toFixed(0);
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
const solc = JSON.parse(fs.readFileSync(path.join(toolchain, 'node_modules/solc/package.json'), 'utf8')).version;
let out = `## Contracts: hal9's warm compile worker vs a cold solcjs process\n\n`;
out += `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores, Node ${version}, solc-js ${solc} `
  + `(the same package for both), optimizer on (200 runs). hal9: \`contract_compile\` over MCP stdio, the whole tool `
  + `call (protocol, store and all), ${warmRuns} calls after one warm-up. Cold: a new \`solcjs\` process per compile, `
  + `${coldRuns} runs each, given hal9's exact standard JSON input (\`--standard-json\`), and as a person would `
  + `type it (\`--bin --abi --optimize\`, which also writes every imported contract's output). `
  + `conformance-tests/bench/run-contracts.sh regenerates this section.\n\n`;
out += `| contract | runtime bytes | hal9 warm p50 / p95 ms | cold solcjs --standard-json p50 / p95 ms | cold solcjs --bin --abi p50 / p95 ms | speed-up (p50, same input) |\n`;
out += `|---|---|---|---|---|---|\n`;
for (const r of rows) {
  out += `| ${r.label} | ${r.bytes} | ${f(r.warm.p50)} / ${f(r.warm.p95)} | ${f(r.coldJson.p50)} / ${f(r.coldJson.p95)} | `
    + `${f(r.coldCli.p50)} / ${f(r.coldCli.p95)} | ${(r.coldJson.p50 / r.warm.p50).toFixed(1)}x |\n`;
}
out += `\nThe server's first compile, which starts the worker (Node, solc-js's 9 MB compiler, solhint), took `
  + `${f(firstCompile)} ms; this run's server answered initialize ${f(connected)} ms after the launcher started (the first start after a build also writes the launcher's AOT cache).\n`;
console.log(out);
fs.rmSync(home, { recursive: true, force: true });
