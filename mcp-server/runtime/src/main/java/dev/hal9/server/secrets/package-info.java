/**
 * Redaction: secrets recognized by their shape (private keys, mnemonics, bearer tokens, JWTs), so that no audit
 * row, ledger entry or log line stores one, whatever argument it was pasted into.
 */
package dev.hal9.server.secrets;
