package org.hybridstore.chaos.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code chaos} command. It does nothing on its own; the work is in its subcommands.
 *
 * <p>To add a subcommand, write a picocli {@code @Command} class (a {@code Callable<Integer>}
 * returning the exit code) and list it in {@code subcommands} below, or register it at run time
 * with {@code ChaosCli.commandLine().addSubcommand(...)}.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    version = "chaos 0.1.0",
    description = "HybridStore's Jepsen-style test tools.",
    subcommands = {
      RunCommand.class,
      CheckCommand.class,
      MutantsCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class ChaosCli implements Runnable {

  @Spec private CommandSpec spec;

  /** Creates the command; use {@link #commandLine()} to run it. */
  @SuppressWarnings("NullAway.Init") // picocli injects the fields
  public ChaosCli() {
    // picocli instantiates subcommands itself
  }

  /**
   * Reports the missing subcommand as a usage error (exit code 2).
   *
   * @throws CommandLine.ParameterException always
   */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /**
   * Builds the command line with all subcommands, ready to {@code execute(args)}.
   *
   * @return a new command line
   */
  public static CommandLine commandLine() {
    return new CommandLine(new ChaosCli());
  }

  /**
   * Runs the command and exits with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
