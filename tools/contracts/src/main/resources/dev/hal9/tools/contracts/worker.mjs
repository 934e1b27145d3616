// The contracts family's Solidity worker: one long-lived Node process that keeps solc-js and solhint loaded.
// Protocol: one JSON request per line on stdin, one JSON response per line on stdout, matched by "id".
//   {"id":1,"op":"version"}
//   {"id":2,"op":"compile","input":{...solc standard JSON...}}   -> {"id":2,"output":{...solc output...}}
//   {"id":3,"op":"lint","sources":{"A.sol":"..."},"rules":{...}} -> {"id":3,"reports":[...]}
// Any failure of one request answers {"id":N,"error":"..."}; the worker itself keeps running.
// Usage: node worker.mjs TOOLCHAIN_DIR   (a folder whose node_modules holds solc, solhint, @openzeppelin/contracts)
import { createRequire } from 'node:module';
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';

const toolchain = resolve(process.argv[2] ?? '.');
const require = createRequire(join(toolchain, 'package.json'));
const solc = require('solc');
const solhint = require('solhint');
const packageVersion = (name) => require(`${name}/package.json`).version;

// Imports resolve only inside the library packages the toolchain installed: never an arbitrary file.
const libraries = { '@openzeppelin/contracts/': join(toolchain, 'node_modules', '@openzeppelin', 'contracts') };

function findImport(path) {
  for (const [prefix, root] of Object.entries(libraries)) {
    if (path.startsWith(prefix)) {
      const file = resolve(root, path.slice(prefix.length));
      try {
        const real = realpathSync(file);
        if (real.startsWith(realpathSync(root) + sep)) {
          return { contents: readFileSync(real, 'utf8') };
        }
      } catch {
        // falls through to "not found"
      }
      return { error: `${path} is not part of ${prefix.slice(0, -1)} ${packageVersion(prefix.slice(0, -1))}` };
    }
  }
  return { error: `${path} was not found: only the submitted files and @openzeppelin/contracts/... can be imported` };
}

function lint(sources, rules) {
  const reports = [];
  for (const [file, content] of Object.entries(sources)) {
    const reporter = solhint.processStr(content, { rules }, file);
    for (const r of reporter.reports) {
      reports.push({ file, line: r.line, column: r.column, severity: r.severity === 2 ? 'error' : 'warning',
        rule: r.ruleId, message: r.message });
    }
  }
  return reports;
}

function handle(request) {
  switch (request.op) {
    case 'version':
      return { solc: solc.version(), solhint: packageVersion('solhint'),
        openzeppelin: packageVersion('@openzeppelin/contracts'), node: process.version };
    case 'compile':
      return { output: JSON.parse(solc.compile(JSON.stringify(request.input), { import: findImport })) };
    case 'lint':
      return { reports: lint(request.sources ?? {}, request.rules ?? {}) };
    default:
      throw new Error(`unknown op '${request.op}'`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (!line.trim()) return;
  let id = null;
  let response;
  try {
    const request = JSON.parse(line);
    id = request.id ?? null;
    response = { id, ...handle(request) };
  } catch (e) {
    response = { id, error: String(e?.message ?? e) };
  }
  process.stdout.write(JSON.stringify(response) + '\n');
});
// stdin closed: the process ends once the last answers are written (process.exit could cut them off)
