/**
 * The {@code hal9} command line (picocli): {@code serve}, {@code tools}, {@code token}, {@code payments},
 * {@code approve}/{@code decline}, {@code install} and the subcommands families contribute. It parses arguments,
 * opens what a command needs and prints; the work itself is done by the packages it calls.
 */
package dev.hal9.server.cli;
