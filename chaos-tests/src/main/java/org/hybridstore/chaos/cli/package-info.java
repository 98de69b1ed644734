/**
 * The {@code chaos} command line: {@link org.hybridstore.chaos.cli.ChaosCli} is the picocli top
 * command and each task is a subcommand class registered there, such as {@link
 * org.hybridstore.chaos.cli.CheckCommand}, which checks history files for linearizability and exits
 * 0 (all valid), 1 (some invalid) or 2 (some unknown or unreadable).
 */
@NullMarked
package org.hybridstore.chaos.cli;

import org.jspecify.annotations.NullMarked;
