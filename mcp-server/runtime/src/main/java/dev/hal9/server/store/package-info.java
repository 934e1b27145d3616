/**
 * What outlives a process: the data directory (its permissions, the database password), the {@link
 * dev.hal9.server.store.Database} (H2 by default, PostgreSQL for several instances) with its migrations, and one
 * small store per table over it: tokens, handles, family state and the audit log, gathered by {@link
 * dev.hal9.server.store.Store}. Rows are mapped to records by column name through Jdbi.
 */
package dev.hal9.server.store;
