package org.hybridstore;

import java.time.Duration;

/**
 * When a hybrid store changes mode. Immutable; build with {@link #builder()}.
 *
 * @param probeInterval how often etcd's health is probed; default 100 ms
 * @param probeTimeout deadline of one probe; default 500 ms
 * @param failedProbesToDegrade consecutive failed probes in which every reachable etcd member says
 *     it has no leader, or a majority of the members does not answer at all, that make the store
 *     degrade: no quorum is reachable from this node (for a few seconds after a return that ended a
 *     short stay in DEGRADED, a flap, only {@code electionGrace} of unbroken failure degrades);
 *     default {@value #DEFAULT_FAILED_PROBES_TO_DEGRADE}
 * @param stablePeriod how long the successful probes on one leader must span before a degraded
 *     store returns to STRONG (with {@code stableProbes}: a fast, flap-proof return); default 200
 *     ms
 * @param electionGrace how long probes may fail without a break, with members still naming a
 *     leader, before the store degrades anyway: longer than an etcd leader election takes (so an
 *     election never degrades the store); default 1.5 s
 * @param stableProbes successful probes in a row on one leader needed before returning to STRONG;
 *     default {@value #DEFAULT_STABLE_PROBES}
 * @param ownerGrace how long a node leaves a backlog record to the record's owner (the live node
 *     that alone wrote what etcd lacks of it, else the one the order id's hash picks) before it
 *     folds the record into etcd itself; default 2 s
 * @param strongWriteDeadline how long a write waits for etcd before it falls back to a provisional
 *     write in the same call; default 1 s
 * @param breakerWindow the circuit breaker's time-based window over etcd writes; default 2 s
 * @param breakerFailureRate failure (and slow-call) percentage in the window that opens the
 *     breaker; an open breaker degrades the store when probes fail too; default {@value
 *     #DEFAULT_BREAKER_FAILURE_RATE}
 * @param breakerMinimumCalls calls in the window before the rate counts; default {@value
 *     #DEFAULT_BREAKER_MINIMUM_CALLS}
 * @param reconcileBatchSize records one reconcile pass folds into etcd at most; default {@value
 *     #DEFAULT_RECONCILE_BATCH_SIZE}
 * @param maxClockOffset how far ahead of the local clock a peer's stamp may be; default 1 s
 */
public record SwitchoverConfig(
    Duration probeInterval,
    Duration probeTimeout,
    int failedProbesToDegrade,
    Duration stablePeriod,
    Duration strongWriteDeadline,
    Duration breakerWindow,
    int breakerFailureRate,
    int breakerMinimumCalls,
    int reconcileBatchSize,
    Duration maxClockOffset,
    Duration electionGrace,
    int stableProbes,
    Duration ownerGrace) {
  /** Default probe period. */
  public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(100);

  /** Default probe deadline. */
  public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofMillis(500);

  /** Default failed probes before degrading. */
  public static final int DEFAULT_FAILED_PROBES_TO_DEGRADE = 2;

  /** Default span of the stable probes before returning to STRONG. */
  public static final Duration DEFAULT_STABLE_PERIOD = Duration.ofMillis(200);

  /** Default grace for failing probes while members still name a leader. */
  public static final Duration DEFAULT_ELECTION_GRACE = Duration.ofMillis(1_500);

  /** Default successful probes on one leader before returning to STRONG. */
  public static final int DEFAULT_STABLE_PROBES = 3;

  /** Default time a backlog record is left to its owner. */
  public static final Duration DEFAULT_OWNER_GRACE = Duration.ofSeconds(2);

  /** Default strong-write deadline. */
  public static final Duration DEFAULT_STRONG_WRITE_DEADLINE = Duration.ofSeconds(1);

  /** Default breaker window. */
  public static final Duration DEFAULT_BREAKER_WINDOW = Duration.ofSeconds(2);

  /** Default breaker failure rate, percent. */
  public static final int DEFAULT_BREAKER_FAILURE_RATE = 50;

  /** Default breaker minimum calls. */
  public static final int DEFAULT_BREAKER_MINIMUM_CALLS = 5;

  /**
   * Default reconcile batch: etcd's default {@code --max-txn-ops} (128) times the transactions a
   * backend keeps in flight by default (4), so a pass fills them.
   */
  public static final int DEFAULT_RECONCILE_BATCH_SIZE = 512;

  /** Default maximum clock offset. */
  public static final Duration DEFAULT_MAX_CLOCK_OFFSET = Duration.ofSeconds(1);

  /** Validates the fields. */
  public SwitchoverConfig {
    Checks.positive("probeInterval", probeInterval);
    Checks.positive("probeTimeout", probeTimeout);
    Checks.atLeast("failedProbesToDegrade", failedProbesToDegrade, 1);
    Checks.positive("stablePeriod", stablePeriod);
    Checks.positive("strongWriteDeadline", strongWriteDeadline);
    Checks.positive("breakerWindow", breakerWindow);
    InvalidInputException.check(
        breakerWindow.toSeconds() >= 1, "breakerWindow", "must be at least 1 s");
    InvalidInputException.check(
        breakerFailureRate > 0 && breakerFailureRate <= 100,
        "breakerFailureRate",
        "must be 1..100, was " + breakerFailureRate);
    Checks.atLeast("breakerMinimumCalls", breakerMinimumCalls, 1);
    Checks.atLeast("reconcileBatchSize", reconcileBatchSize, 1);
    InvalidInputException.check(
        maxClockOffset != null && !maxClockOffset.isNegative(),
        "maxClockOffset",
        "must not be negative");
    Checks.positive("electionGrace", electionGrace);
    Checks.atLeast("stableProbes", stableProbes, 1);
    Checks.positive("ownerGrace", ownerGrace);
  }

  /** Returns the defaults. */
  public static SwitchoverConfig ofDefaults() {
    return builder().build();
  }

  /** Returns a builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder()
        .probeInterval(probeInterval)
        .probeTimeout(probeTimeout)
        .failedProbesToDegrade(failedProbesToDegrade)
        .stablePeriod(stablePeriod)
        .strongWriteDeadline(strongWriteDeadline)
        .breakerWindow(breakerWindow)
        .breakerFailureRate(breakerFailureRate)
        .breakerMinimumCalls(breakerMinimumCalls)
        .reconcileBatchSize(reconcileBatchSize)
        .maxClockOffset(maxClockOffset)
        .electionGrace(electionGrace)
        .stableProbes(stableProbes)
        .ownerGrace(ownerGrace);
  }

  /** Builds a {@link SwitchoverConfig}; not thread-safe; {@link #build()} copies. */
  public static final class Builder {
    private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
    private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
    private int failedProbesToDegrade = DEFAULT_FAILED_PROBES_TO_DEGRADE;
    private Duration stablePeriod = DEFAULT_STABLE_PERIOD;
    private Duration strongWriteDeadline = DEFAULT_STRONG_WRITE_DEADLINE;
    private Duration breakerWindow = DEFAULT_BREAKER_WINDOW;
    private int breakerFailureRate = DEFAULT_BREAKER_FAILURE_RATE;
    private int breakerMinimumCalls = DEFAULT_BREAKER_MINIMUM_CALLS;
    private int reconcileBatchSize = DEFAULT_RECONCILE_BATCH_SIZE;
    private Duration maxClockOffset = DEFAULT_MAX_CLOCK_OFFSET;
    private Duration electionGrace = DEFAULT_ELECTION_GRACE;
    private int stableProbes = DEFAULT_STABLE_PROBES;
    private Duration ownerGrace = DEFAULT_OWNER_GRACE;

    private Builder() {}

    /**
     * @param v probe period @return this builder
     */
    public Builder probeInterval(Duration v) {
      probeInterval = v;
      return this;
    }

    /**
     * @param v probe deadline @return this builder
     */
    public Builder probeTimeout(Duration v) {
      probeTimeout = v;
      return this;
    }

    /**
     * @param v failed probes before degrading @return this builder
     */
    public Builder failedProbesToDegrade(int v) {
      failedProbesToDegrade = v;
      return this;
    }

    /**
     * @param v hysteresis before returning to STRONG @return this builder
     */
    public Builder stablePeriod(Duration v) {
      stablePeriod = v;
      return this;
    }

    /**
     * @param v strong-write deadline @return this builder
     */
    public Builder strongWriteDeadline(Duration v) {
      strongWriteDeadline = v;
      return this;
    }

    /**
     * @param v breaker window @return this builder
     */
    public Builder breakerWindow(Duration v) {
      breakerWindow = v;
      return this;
    }

    /**
     * @param v breaker failure rate, percent @return this builder
     */
    public Builder breakerFailureRate(int v) {
      breakerFailureRate = v;
      return this;
    }

    /**
     * @param v breaker minimum calls @return this builder
     */
    public Builder breakerMinimumCalls(int v) {
      breakerMinimumCalls = v;
      return this;
    }

    /**
     * @param v reconcile batch size @return this builder
     */
    public Builder reconcileBatchSize(int v) {
      reconcileBatchSize = v;
      return this;
    }

    /**
     * @param v maximum clock offset of peer stamps @return this builder
     */
    public Builder maxClockOffset(Duration v) {
      maxClockOffset = v;
      return this;
    }

    /**
     * @param v grace for failing probes while members name a leader @return this builder
     */
    public Builder electionGrace(Duration v) {
      electionGrace = v;
      return this;
    }

    /**
     * @param v successful probes on one leader before returning to STRONG @return this builder
     */
    public Builder stableProbes(int v) {
      stableProbes = v;
      return this;
    }

    /**
     * @param v time a backlog record is left to its owner @return this builder
     */
    public Builder ownerGrace(Duration v) {
      ownerGrace = v;
      return this;
    }

    /**
     * @return the configuration @throws InvalidInputException naming the first invalid field
     */
    public SwitchoverConfig build() {
      return new SwitchoverConfig(
          probeInterval,
          probeTimeout,
          failedProbesToDegrade,
          stablePeriod,
          strongWriteDeadline,
          breakerWindow,
          breakerFailureRate,
          breakerMinimumCalls,
          reconcileBatchSize,
          maxClockOffset,
          electionGrace,
          stableProbes,
          ownerGrace);
    }
  }
}
