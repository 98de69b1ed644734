package org.hybridstore.chaos.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hybridstore.chaos.bench.BenchReport;
import org.hybridstore.chaos.bench.BenchResult;
import org.hybridstore.chaos.bench.BenchSettings;
import org.hybridstore.chaos.bench.Benchmark;
import org.hybridstore.chaos.bench.BenchmarkException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chaos bench}: every performance ratio of docs/performance.md in one process on one fresh
 * local etcd cluster ({@link Benchmark}). Prints progress, then the table; {@code --json FILE}
 * writes the figures as JSON. Exit code 0 when every phase ran (whether or not the targets are met:
 * the table says that), 3 when the benchmark could not be carried out.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure every ratio of docs/performance.md in one run on one fresh local 3-member etcd cluster:"
          + " raw jetcd CAS vs STRONG command (64 and 1 in flight), raw etcd put vs DEGRADED durable write, group commit"
          + " vs one commit per write, convergence after a 1,000 and a 10,000-record backlog, and the encoded size of a"
          + " typical order.",
      "A full run takes about 7 minutes on a loaded 2-core machine; --quick about 3."
    })
public final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--seconds",
      description = "measured seconds per side and round; default ${DEFAULT-VALUE}")
  int seconds = BenchSettings.DEFAULT_SECONDS;

  @Option(
      names = "--warmup",
      paramLabel = "SECONDS",
      description = "warm-up before each measurement; default ${DEFAULT-VALUE}")
  int warmup = BenchSettings.DEFAULT_WARMUP_SECONDS;

  @Option(
      names = "--rounds",
      description = "rounds per pair, sides alternating A, B, A, B...; default ${DEFAULT-VALUE}")
  int rounds = BenchSettings.DEFAULT_ROUNDS;

  @Option(
      names = "--in-flight",
      paramLabel = "N",
      description = "requests in flight; default ${DEFAULT-VALUE}")
  int inFlight = BenchSettings.DEFAULT_IN_FLIGHT;

  @Option(
      names = "--backlogs",
      split = ",",
      paramLabel = "RECORDS",
      description = "backlog sizes of the convergence phase; default 1000,10000")
  List<Integer> backlogs = new ArrayList<>(BenchSettings.DEFAULT_BACKLOGS);

  @Option(
      names = "--heartbeat",
      paramLabel = "MS",
      description = "etcd heartbeat interval; default ${DEFAULT-VALUE}")
  int heartbeat = BenchSettings.DEFAULT_HEARTBEAT_MS;

  @Option(
      names = "--election",
      paramLabel = "MS",
      description = "etcd election timeout; default ${DEFAULT-VALUE}")
  int election = BenchSettings.DEFAULT_ELECTION_MS;

  @Option(
      names = "--quick",
      description =
          "smoke run: one round of "
              + BenchSettings.QUICK_SECONDS
              + " s after 1 s of warm-up per measurement"
              + " (backlogs unchanged); overrides --seconds, --warmup and --rounds")
  boolean quick;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "also write the figures as JSON to FILE")
  @Nullable Path json;

  @Override
  public Integer call() {
    BenchSettings settings;
    try {
      BenchSettings q = BenchSettings.quickDefaults();
      settings =
          quick
              ? new BenchSettings(
                  q.seconds(),
                  q.warmupSeconds(),
                  q.rounds(),
                  inFlight,
                  backlogs,
                  heartbeat,
                  election,
                  true)
              : new BenchSettings(
                  seconds, warmup, rounds, inFlight, backlogs, heartbeat, election, false);
    } catch (IllegalArgumentException e) {
      System.err.println("chaos bench: " + e.getMessage());
      return 2;
    }
    PrintStream out = System.out;
    try {
      BenchResult r = Benchmark.run(settings, "./chaos bench" + arguments(), out);
      out.println();
      out.print(BenchReport.table(r));
      if (json != null) {
        BenchReport.writeJson(r, json);
        out.println("\nJSON written to " + json.toAbsolutePath());
      }
      return 0;
    } catch (BenchmarkException e) {
      System.err.println("chaos bench: could not be carried out: " + e.getMessage());
      return 3;
    } catch (IOException e) {
      System.err.println("chaos bench: cannot write " + json + ": " + e.getMessage());
      return 3;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("chaos bench: interrupted");
      return 3;
    }
  }

  private String arguments() {
    StringBuilder s = new StringBuilder();
    if (quick) {
      s.append(" --quick");
    } else {
      if (seconds != BenchSettings.DEFAULT_SECONDS) {
        s.append(" --seconds ").append(seconds);
      }
      if (warmup != BenchSettings.DEFAULT_WARMUP_SECONDS) {
        s.append(" --warmup ").append(warmup);
      }
      if (rounds != BenchSettings.DEFAULT_ROUNDS) {
        s.append(" --rounds ").append(rounds);
      }
    }
    if (inFlight != BenchSettings.DEFAULT_IN_FLIGHT) {
      s.append(" --in-flight ").append(inFlight);
    }
    if (!backlogs.equals(BenchSettings.DEFAULT_BACKLOGS)) {
      s.append(" --backlogs ")
          .append(String.join(",", backlogs.stream().map(String::valueOf).toList()));
    }
    if (heartbeat != BenchSettings.DEFAULT_HEARTBEAT_MS
        || election != BenchSettings.DEFAULT_ELECTION_MS) {
      s.append(" --heartbeat ").append(heartbeat).append(" --election ").append(election);
    }
    return s.toString();
  }
}
