package org.hybridstore.chaos.runner;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.mutants.ChaosMutant;
import org.hybridstore.example.NodeMutation;

/**
 * The suite tested on itself: runs each deliberately broken build ({@code chaos-mutants}) through
 * its short scenario and reports which checks caught it. A mutant is caught when the run's verdict
 * is invalid; the report names every invalid check and whether one of the expected ones is among
 * them.
 */
public final class MutantRuns {
  /**
   * One mutant's outcome.
   *
   * @param mutant the mutant's name
   * @param expected the checks expected to catch it
   * @param caughtBy the checks that were invalid
   * @param seconds how long the run took
   * @param dir the run's output directory
   */
  public record Outcome(
      String mutant, List<String> expected, List<String> caughtBy, long seconds, Path dir) {
    /** Whether the run was invalid. */
    public boolean caught() {
      return !caughtBy.isEmpty();
    }

    /** Whether an expected check was among those that caught it. */
    public boolean caughtAsExpected() {
      return caughtBy.stream().anyMatch(expected::contains);
    }

    /** The report line. */
    public String line() {
      if (!caught()) {
        return mutant
            + " NOT CAUGHT after "
            + seconds
            + " s (expected: "
            + String.join(", ", expected)
            + "; "
            + dir
            + ")";
      }
      return mutant
          + " caught by "
          + String.join(", ", caughtBy)
          + " after "
          + seconds
          + " s"
          + (caughtAsExpected() ? "" : " (expected " + String.join(", ", expected) + ")");
    }
  }

  private MutantRuns() {}

  /** Returns every mutant on the class path, in registration order. */
  public static List<ChaosMutant> all() {
    List<ChaosMutant> out = new ArrayList<>();
    for (NodeMutation m : ServiceLoader.load(NodeMutation.class)) {
      if (m instanceof ChaosMutant c) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Runs one mutant through its scenario.
   *
   * @param m the mutant
   * @param output where run directories go
   * @param seed the seed
   * @param loopback the reduced mode (mutants whose scenario needs the network cannot run)
   * @param log progress and the run's summary
   * @return the outcome
   * @throws Exception if the run could not be carried out
   */
  public static Outcome run(
      ChaosMutant m, Path output, long seed, boolean loopback, PrintStream log) throws Exception {
    RunConfig config =
        new RunConfig(
            3,
            m.timeLimitSeconds(),
            m.nemeses(),
            60,
            6,
            6,
            4,
            3,
            50,
            500,
            seed,
            output,
            m.name(),
            loopback,
            false);
    long t0 = System.nanoTime();
    RunResult r = ChaosRun.run(config, log);
    long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
    List<String> invalid = new ArrayList<>();
    for (Map.Entry<String, Object> e : r.check().details().entrySet()) {
      if (e.getValue() instanceof CheckResult c && c.validity() == Validity.INVALID) {
        invalid.add(e.getKey());
      }
    }
    return new Outcome(m.name(), m.caughtBy(), invalid, seconds, r.dir());
  }

  /** Formats the outcome table (markdown) for docs/chaos.md. */
  public static String table(List<ChaosMutant> mutants, List<Outcome> outcomes) {
    StringBuilder b =
        new StringBuilder(
            "| mutant | bug | scenario | expected | caught by | run |\n|---|---|---|---|---|---|\n");
    for (int i = 0; i < outcomes.size(); i++) {
      ChaosMutant m = mutants.get(i);
      Outcome o = outcomes.get(i);
      b.append(
          String.format(
              Locale.ROOT,
              "| `%s` | %s | `%s`, %d s | %s | %s | %d s |%n",
              m.name(),
              m.bug(),
              String.join(",", m.nemeses()),
              m.timeLimitSeconds(),
              String.join(", ", m.caughtBy()),
              o.caught() ? String.join(", ", o.caughtBy()) : "**NOT CAUGHT**",
              o.seconds()));
    }
    return b.toString();
  }
}
