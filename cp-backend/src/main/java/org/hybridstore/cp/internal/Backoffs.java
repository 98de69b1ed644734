package org.hybridstore.cp.internal;

import io.github.resilience4j.core.IntervalFunction;
import org.hybridstore.CpConfig;

/**
 * The backend's waits, as Resilience4j {@link IntervalFunction}s built from {@link CpConfig}: one
 * policy object per use (lost compare-and-swap races, rounds over members that do not serve, watch
 * reopens). An {@code IntervalFunction} maps the attempt number (from 1) to a wait in milliseconds.
 * Immutable and thread-safe.
 *
 * @param lostRace after the n-th lost race in a row (none after the first: the losing transaction
 *     brought the current record, see {@link #afterLostRace})
 * @param memberRound after the n-th round in which no member served
 * @param watchReopen before the n-th reopen of a failed watch in a row
 */
record Backoffs(
    IntervalFunction lostRace, IntervalFunction memberRound, IntervalFunction watchReopen) {
  /**
   * Randomized over the whole interval ({@code [0, 2 × initial × 2^(n-1))}, capped), so that
   * writers that collided do not collide again in lockstep.
   */
  private static final double FULL_JITTER = 1.0;

  static Backoffs of(CpConfig config) {
    return new Backoffs(
        random(config.casBackoff()),
        random(config.retryBackoff()),
        IntervalFunction.ofExponentialBackoff(
            config.watchBackoff().initial(), 2.0, config.watchBackoff().max()));
  }

  private static IntervalFunction random(CpConfig.Backoff b) {
    return IntervalFunction.ofExponentialRandomBackoff(b.initial(), 2.0, FULL_JITTER, b.max());
  }

  /**
   * Returns the wait before retrying after {@code lostRaces} races lost in a row: none after the
   * first (the else-branch of the losing transaction brought the current record), then the
   * lost-race policy's.
   */
  long afterLostRace(int lostRaces) {
    return lostRaces <= 1 ? 0 : lostRace.apply(lostRaces - 1);
  }
}
