/**
 * What outlives a process: the data directory (its permissions, the database password) and the database (H2 by
 * default, PostgreSQL for several instances) with its migrations, tokens, handles, family state and audit rows.
 */
package dev.hal9.server.store;
