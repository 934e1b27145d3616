// Drives hal9 with the official TypeScript SDK client and prints what it saw as one JSON object.
// Usage: node ts-client.mjs stdio <command> [args...] | http <url> | sse <url>
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

const [mode, target, ...rest] = process.argv.slice(2);
let transport;
if (mode === 'stdio') {
  transport = new StdioClientTransport({ command: target, args: rest, env: process.env, stderr: 'inherit' });
} else if (mode === 'http') {
  transport = new StreamableHTTPClientTransport(new URL(target));
} else if (mode === 'sse') {
  transport = new SSEClientTransport(new URL(target));
} else {
  console.error('usage: ts-client.mjs stdio <command> [args...] | http <url> | sse <url>');
  process.exit(2);
}

const client = new Client({ name: 'hal9-ts-peer', version: '1.0.0' }, { capabilities: {} });
await client.connect(transport);
const tools = await client.listTools();
const info = await client.callTool({ name: 'server_info', arguments: {} });
let unknown;
try {
  unknown = await client.callTool({ name: 'no_such_tool', arguments: {} });
} catch (error) {
  unknown = { rpcError: error.code ?? String(error) };
}
const invalid = await client.callTool({ name: 'server_info', arguments: { surplus: 1 } });
console.log(JSON.stringify({

  server: client.getServerVersion(),
  tools: tools.tools.map((tool) => tool.name),
  info: info.structuredContent,
  infoText: info.content[0].text,
  unknown,
  invalid: { isError: invalid.isError, text: invalid.content[0].text },
}));
await client.close();
