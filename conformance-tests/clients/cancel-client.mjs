// Starts a long browser_wait over Streamable HTTP, aborts it (the TS SDK then sends notifications/cancelled),
// and prints how long the abort took and whether the server still answers.
// Usage: node cancel-client.mjs <mcp url>
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const client = new Client({ name: 'hal9-cancel-peer', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(process.argv[2])));
const open = await client.callTool({ name: 'browser_session', arguments: { action: 'open' } });
const session = open.structuredContent.session;
const controller = new AbortController();
setTimeout(() => controller.abort('changed my mind'), 1500);
const started = Date.now();
let aborted = false;
try {
  await client.callTool({ name: 'browser_wait', arguments: { session, until: 'time', value: '30000', snapshot: false } },
    undefined, { signal: controller.signal, timeout: 60000 });
} catch (error) {
  aborted = true;
}
const after = await client.callTool({ name: 'browser_session', arguments: { action: 'list' } });
console.log(JSON.stringify({ aborted, abortedAfterMs: Date.now() - started, stillServing: !after.isError, session }));
await client.close();
