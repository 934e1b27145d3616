// The official TypeScript SDK client's OAuth support against hal9 --auth oauth: it meets the 401, discovers the
// protected-resource metadata and the authorization server from it, sends the user to authorize (here: fetches the
// authorization URL, which the test's authorization server answers with a redirect carrying the code), exchanges the
// code with PKCE, and calls tools with the access token. Prints what it saw as one JSON object.
// Usage: node oauth-client.mjs <mcp url> <client id>
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const [url, clientId] = process.argv.slice(2);
const redirectUrl = 'http://127.0.0.1:9/callback';
let tokens;
let verifier;
let authorizationUrl;

/** An OAuthClientProvider with a pre-registered public client, kept in memory. */
const provider = {
  get redirectUrl() {
    return redirectUrl;
  },
  get clientMetadata() {
    return {
      client_name: 'hal9 oauth test',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  },
  clientInformation: () => ({ client_id: clientId }),
  tokens: () => tokens,
  saveTokens: (saved) => {
    tokens = saved;
  },
  redirectToAuthorization: (address) => {
    authorizationUrl = address;
  },
  saveCodeVerifier: (saved) => {
    verifier = saved;
  },
  codeVerifier: () => verifier,
};

let first;
try {
  await new Client({ name: 'hal9-oauth-peer', version: '1.0.0' }).connect(
    new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }),
  );
  first = 'connected without authorization';
} catch (error) {
  first = error instanceof UnauthorizedError ? 'unauthorized' : String(error);
}
if (!authorizationUrl) {
  console.error('the client was never sent to authorize: ' + first);
  process.exit(1);
}

// the user agent: the authorization server logs the user in without a form and redirects back with the code
const answer = await fetch(authorizationUrl, { redirect: 'manual' });
const location = new URL(answer.headers.get('location'));
const code = location.searchParams.get('code');
const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
await transport.finishAuth(code);

const client = new Client({ name: 'hal9-oauth-peer', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
const tools = await client.listTools();
const info = await client.callTool({ name: 'server_info', arguments: {} });
await client.close();
console.log(
  JSON.stringify({
    first,
    authorization: Object.fromEntries(authorizationUrl.searchParams),
    authorizationEndpoint: authorizationUrl.origin + authorizationUrl.pathname,
    accessToken: tokens.access_token,
    tools: tools.tools.map((tool) => tool.name),
    info: info.structuredContent,
  }),
);
