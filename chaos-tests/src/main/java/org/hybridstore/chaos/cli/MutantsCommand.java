package org.hybridstore.chaos.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hybridstore.chaos.mutants.ChaosMutant;
import org.hybridstore.chaos.runner.MutantRuns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chaos mutants}: the suite tested on itself. Runs every deliberately broken build through
 * its short scenario and prints one line per mutant, {@code <mutant> caught by <checks> after <s>
 * s} or {@code <mutant> NOT CAUGHT}. Exit code 0 when every mutant was caught, 1 when one survived,
 * 3 when a run could not be carried out.
 */
@Command(
    name = "mutants",
    mixinStandardHelpOptions = true,
    description =
        "Run every deliberately broken build of the node program and report which checks catch it.")
public final class MutantsCommand implements Callable<Integer> {
  @Option(
      names = "--only",
      split = ",",
      paramLabel = "NAMES",
      description = "run only these mutants")
  List<String> only = List.of();

  @Option(
      names = "--seed",
      description = "randomness of workload and faults; default ${DEFAULT-VALUE}")
  long seed = 42;

  @Option(names = "--output", description = "where run directories go; default ${DEFAULT-VALUE}")
  Path output = Path.of("target", "chaos", "mutants");

  @Option(
      names = "--loopback",
      description = "reduced mode (mutants whose scenario needs the network fail to run)")
  boolean loopback;

  @Option(names = "--verbose", description = "print each run's progress and summary")
  boolean verbose;

  @Option(names = "--table", description = "also print the markdown table for docs/chaos.md")
  boolean table;

  @Override
  public Integer call() {
    List<ChaosMutant> chosen =
        MutantRuns.all().stream().filter(m -> only.isEmpty() || only.contains(m.name())).toList();
    if (chosen.isEmpty()) {
      System.err.println("no mutant matches " + only + "; known: " + MutantRuns.all());
      return 3;
    }
    PrintStream log = verbose ? System.out : new PrintStream(OutputStream.nullOutputStream());
    List<MutantRuns.Outcome> outcomes = new ArrayList<>();
    boolean survived = false;
    for (ChaosMutant m : chosen) {
      try {
        MutantRuns.Outcome o = MutantRuns.run(m, output, seed, loopback, log);
        outcomes.add(o);
        survived |= !o.caught();
        System.out.println(o.line());
      } catch (Exception e) {
        System.out.println(m.name() + " could not be run: " + e);
        return 3;
      }
    }
    if (table) {
      System.out.println();
      System.out.print(MutantRuns.table(chosen, outcomes));
    }
    System.out.println(survived ? "some mutant survived" : "every mutant was caught");
    return survived ? 1 : 0;
  }
}
