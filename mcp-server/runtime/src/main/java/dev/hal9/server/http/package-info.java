/**
 * MCP over HTTP: the Helidon web server, its access filter (Host and Origin checks, bearer tokens, OAuth 2.1
 * protected-resource metadata), Streamable HTTP and the legacy SSE transport, resumable event streams, HTTP error
 * bodies, and the approvals page a person uses to approve a payment.
 */
package dev.hal9.server.http;
