package org.hybridstore.chaos.bench;

import java.util.List;
import java.util.Set;

/**
 * What one {@code ./chaos bench} run does. Immutable.
 *
 * @param seconds measured seconds of each throughput measurement (one side of one round)
 * @param warmupSeconds seconds each throughput measurement runs before it starts counting
 * @param rounds rounds of each pair; a round measures side A, then side B, on the same payload
 * @param inFlight requests in flight in the concurrent measurements (the 1-in-flight pair always
 *     has one)
 * @param backlogs backlog sizes of the convergence phase, each on three fresh stores
 * @param heartbeatMs etcd {@code --heartbeat-interval}
 * @param electionMs etcd {@code --election-timeout}
 * @param quick whether this is the {@code --quick} smoke run (recorded in the output, so its
 *     figures are not mistaken for a measurement)
 */
public record BenchSettings(
    int seconds,
    int warmupSeconds,
    int rounds,
    int inFlight,
    List<Integer> backlogs,
    int heartbeatMs,
    int electionMs,
    boolean quick) {
  /**
   * Default measured seconds per side and round: with the defaults below a full run takes about 7
   * minutes on the shared 2-core build host at load average 25 (docs/performance.md), of which the
   * pairs take 4 x 3 rounds x 2 sides x 10 s, after a JIT warm-up of up to 36 s (decision 77).
   */
  public static final int DEFAULT_SECONDS = 8;

  /** Default warm-up per measurement. */
  public static final int DEFAULT_WARMUP_SECONDS = 2;

  /** Default rounds: three, so a single noisy round does not decide the median. */
  public static final int DEFAULT_ROUNDS = 3;

  /** Default requests in flight, as in the targets. */
  public static final int DEFAULT_IN_FLIGHT = 64;

  /** Default backlog sizes: the 1,000 and 10,000 records. */
  public static final List<Integer> DEFAULT_BACKLOGS = List.of(1_000, 10_000);

  /** etcd heartbeat of the project's measurements (shared/notes/faults.md). */
  public static final int DEFAULT_HEARTBEAT_MS = 50;

  /** etcd election timeout of the project's measurements. */
  public static final int DEFAULT_ELECTION_MS = 500;

  /** Measured seconds of {@link #quickDefaults()}. */
  public static final int QUICK_SECONDS = 2;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException if a value is out of range
   */
  public BenchSettings {
    require(seconds >= 1 && seconds <= 600, "seconds must be 1..600: " + seconds);
    require(
        warmupSeconds >= 0 && warmupSeconds <= 600,
        "warm-up must be 0..600 seconds: " + warmupSeconds);
    require(rounds >= 1 && rounds <= 20, "rounds must be 1..20: " + rounds);
    require(inFlight >= 1 && inFlight <= 1024, "in-flight must be 1..1024: " + inFlight);
    backlogs = List.copyOf(backlogs);
    for (int b : backlogs) {
      require(b >= 1 && b <= 100_000, "a backlog must be 1..100000 records: " + b);
    }
    // each size writes its own key prefix and order ids: a size given twice would find its orders
    // already there, minutes into the run
    require(
        Set.copyOf(backlogs).size() == backlogs.size(),
        "each backlog size may be given once: " + backlogs);
    require(heartbeatMs >= 1, "heartbeat must be positive: " + heartbeatMs);
    require(
        electionMs >= 5 * heartbeatMs,
        "election timeout must be at least 5 heartbeats (etcd refuses less): " + electionMs);
  }

  /**
   * Returns the default run.
   *
   * @return the settings
   */
  public static BenchSettings defaults() {
    return new BenchSettings(
        DEFAULT_SECONDS,
        DEFAULT_WARMUP_SECONDS,
        DEFAULT_ROUNDS,
        DEFAULT_IN_FLIGHT,
        DEFAULT_BACKLOGS,
        DEFAULT_HEARTBEAT_MS,
        DEFAULT_ELECTION_MS,
        false);
  }

  /**
   * Returns the smoke run: every phase on the same cluster and payload as a full run, but one round
   * of {@value #QUICK_SECONDS} s after 1 s of warm-up, so its ratios are indicative only. The
   * backlogs keep their sizes.
   *
   * @return the settings
   */
  public static BenchSettings quickDefaults() {
    return new BenchSettings(
        QUICK_SECONDS,
        1,
        1,
        DEFAULT_IN_FLIGHT,
        DEFAULT_BACKLOGS,
        DEFAULT_HEARTBEAT_MS,
        DEFAULT_ELECTION_MS,
        true);
  }

  /**
   * Returns the etcd timing flags of the run, as they are reported.
   *
   * @return for example {@code --heartbeat-interval=50 --election-timeout=500 --pre-vote=true}
   */
  public String etcdFlags() {
    return "--heartbeat-interval="
        + heartbeatMs
        + " --election-timeout="
        + electionMs
        + " --pre-vote=true";
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
