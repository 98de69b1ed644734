package org.hybridstore.chaos.checker;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits for one linearizability check. When a limit is hit the verdict is UNKNOWN, never VALID.
 *
 * @param timeLimit wall-clock time for the whole check (all partitions)
 * @param maxCacheEntries the most (linearized set, state) pairs memoised by one search; bounds
 *     memory
 */
public record Budget(Duration timeLimit, long maxCacheEntries) {

  /**
   * Validates the limits.
   *
   * @throws IllegalArgumentException if a limit is not positive
   */
  public Budget {
    Objects.requireNonNull(timeLimit, "timeLimit");
    if (timeLimit.isNegative() || timeLimit.isZero()) {
      throw new IllegalArgumentException("timeLimit must be positive: " + timeLimit);
    }
    if (maxCacheEntries <= 0) {
      throw new IllegalArgumentException("maxCacheEntries must be positive: " + maxCacheEntries);
    }
  }

  /**
   * Returns a budget with the given time and a cache bound derived from the heap: about a third of
   * the maximum heap at roughly 200 bytes per entry.
   *
   * @param timeLimit the time limit
   * @return the budget
   */
  public static Budget ofTime(Duration timeLimit) {
    long entries = Math.max(10_000, Runtime.getRuntime().maxMemory() / 3 / 200);
    return new Budget(timeLimit, entries);
  }

  /**
   * Returns the default budget: 60 seconds, heap-derived cache bound.
   *
   * @return the budget
   */
  public static Budget defaults() {
    return ofTime(Duration.ofSeconds(60));
  }
}
