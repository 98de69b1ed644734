package org.hybridstore.chaos.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything one {@code ./chaos bench} run measured. {@link BenchReport} turns it into the table
 * and the JSON.
 *
 * @param date when the run started
 * @param command the command line, for the report
 * @param settings what the run did
 * @param environment the machine it ran on
 * @param recordBytes the encoded size of a typical order ({@link TypicalOrder})
 * @param payloadBytes the size of the benchmark orders' records as read back from etcd after their
 *     warm-up: the payload of every pair
 * @param strong raw jetcd single-key CAS against the STRONG command, {@code settings.inFlight()} in
 *     flight
 * @param strongSingle the same with one request in flight
 * @param degraded raw etcd put against the DEGRADED durable write
 * @param groupCommit the DEGRADED write with one commit per write against group commit
 * @param backlogs the convergence after each backlog, in the order run
 * @param elapsed the whole run, cluster start to cleanup
 * @param jitWarmupCompileMs the JIT compiler's compile time in each turn of the warm-up before the
 *     pairs, in milliseconds; empty if there was none (a quick run) or the JVM cannot tell
 */
public record BenchResult(
    Instant date,
    String command,
    BenchSettings settings,
    Environment environment,
    int recordBytes,
    int payloadBytes,
    PairResult strong,
    PairResult strongSingle,
    PairResult degraded,
    PairResult groupCommit,
    List<BacklogResult> backlogs,
    Duration elapsed,
    List<Long> jitWarmupCompileMs) {
  /** Copies the lists. */
  public BenchResult {
    backlogs = List.copyOf(backlogs);
    jitWarmupCompileMs = List.copyOf(jitWarmupCompileMs);
  }

  /**
   * The machine a run used.
   *
   * @param cores available processors
   * @param java the Java version
   * @param etcdVersion what {@code etcd --version} printed first
   * @param loadBefore the load averages (1, 5, 15 min) before the cluster started
   * @param loadAfter the load averages after the last phase
   */
  public record Environment(
      int cores, String java, String etcdVersion, List<Double> loadBefore, List<Double> loadAfter) {
    /** Copies the lists. */
    public Environment {
      loadBefore = List.copyOf(loadBefore);
      loadAfter = List.copyOf(loadAfter);
    }
  }

  /**
   * Returns the first or the second backlog run of a size.
   *
   * @param records the backlog size
   * @param again the second run of the size, or the first
   * @return the run, if that size was run
   */
  public Optional<BacklogResult> backlog(int records, boolean again) {
    return backlogs.stream().filter(b -> b.records() == records && b.again() == again).findFirst();
  }

  /**
   * Returns etcd's recovery time of the largest backlog's first run: the floor its convergence
   * targets are measured against.
   *
   * @return milliseconds, or -1 without a backlog run
   */
  public long etcdRecoveryMs() {
    return backlogs.stream()
        .filter(b -> !b.again())
        .max(java.util.Comparator.comparingInt(BacklogResult::records))
        .map(BacklogResult::etcdRecoveryMs)
        .orElse(-1L);
  }
}
