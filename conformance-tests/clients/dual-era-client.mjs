// Two clients of different eras use hal9 at the same time and print what each saw as one JSON object:
// the TypeScript SDK v2 client (@modelcontextprotocol/client, versionNegotiation 'auto': it probes server/discover
// and speaks 2026-07-28 when the server does) and the v1 client (@modelcontextprotocol/sdk, initialize, 2025-11-25).
// Usage: node dual-era-client.mjs stdio <command> [args...] | http <url>
// Over stdio each client starts its own server process on the same data directory (the v2 client also starts a
// short-lived sibling for its probe); over HTTP both talk to one server.
import { Client as ModernClient, StreamableHTTPClientTransport as ModernHttp } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as LegacyHttp } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [mode, target, ...rest] = process.argv.slice(2);
if (mode !== 'stdio' && mode !== 'http') {
  console.error('usage: dual-era-client.mjs stdio <command> [args...] | http <url>');
  process.exit(2);
}
const stdio = { command: target, args: rest, env: process.env, stderr: 'inherit' };

async function use(client, transport) {
  await client.connect(transport);
  const tools = await client.listTools();
  const info = await client.callTool({ name: 'server_info', arguments: {} });
  let unknown;
  try {
    const answer = await client.callTool({ name: 'no_such_tool', arguments: {} });
    unknown = { isError: answer.isError ?? false };
  } catch (error) {
    unknown = { rpcError: error.code ?? String(error) };
  }
  return { client, tools: tools.tools.map((tool) => tool.name), info: info.structuredContent, unknown };
}

const modern = new ModernClient(
  { name: 'hal9-modern-peer', version: '1.0.0' },
  { capabilities: {}, versionNegotiation: { mode: 'auto' } }
);
const legacy = new LegacyClient({ name: 'hal9-legacy-peer', version: '1.0.0' }, { capabilities: {} });
const [seenModern, seenLegacy] = await Promise.all([
  use(modern, mode === 'stdio' ? new ModernStdio(stdio) : new ModernHttp(new URL(target))),
  use(legacy, mode === 'stdio' ? new LegacyStdio(stdio) : new LegacyHttp(new URL(target))),
]);
console.log(
  JSON.stringify({
    modern: {
      era: modern.getProtocolEra(),
      version: modern.getNegotiatedProtocolVersion(),
      discovered: modern.getDiscoverResult()?.supportedVersions ?? null,
      tools: seenModern.tools,
      info: seenModern.info,
      unknown: seenModern.unknown,
    },
    legacy: {
      server: legacy.getServerVersion(),
      tools: seenLegacy.tools,
      info: seenLegacy.info,
      unknown: seenLegacy.unknown,
    },
  })
);
await Promise.all([modern.close(), legacy.close()]);
