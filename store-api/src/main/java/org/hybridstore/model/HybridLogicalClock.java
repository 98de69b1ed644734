package org.hybridstore.model;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.hybridstore.ClockSkewException;
import org.hybridstore.InvalidInputException;

/**
 * A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014). Readings
 * never go backwards, even when the physical clock does, and a reading taken after observing a
 * remote stamp is later than that stamp. A remote stamp more than the maximum offset ahead of the
 * local physical clock is refused with {@link ClockSkewException} and counted: accepting it would
 * drag this clock (and every later last-writer-wins decision) into the future.
 *
 * <p>The time source is injected, so tests and the chaos suite can offset or freeze it.
 *
 * <p>This class is thread-safe; readings are totally ordered across threads.
 */
public final class HybridLogicalClock {
  private final InstantSource source;
  private final long maxOffsetMillis;
  private final AtomicReference<HybridTimestamp> last = new AtomicReference<>(HybridTimestamp.ZERO);
  private final LongAdder refused = new LongAdder();

  /**
   * Creates a clock.
   *
   * @param source the physical time source
   * @param maxOffset how far ahead of the local physical clock a remote stamp may be
   * @throws InvalidInputException if the offset is negative
   */
  public HybridLogicalClock(InstantSource source, Duration maxOffset) {
    if (maxOffset.isNegative()) {
      throw new InvalidInputException("maxClockOffset", "must not be negative");
    }
    this.source = source;
    this.maxOffsetMillis = maxOffset.toMillis();
  }

  /** Returns a reading for a local event: later than every earlier reading of this clock. */
  public HybridTimestamp now() {
    long physical = source.millis();
    return last.updateAndGet(
        l ->
            physical > l.wallMillis()
                ? new HybridTimestamp(physical, 0)
                : new HybridTimestamp(l.wallMillis(), l.logical() + 1));
  }

  /**
   * Takes a remote stamp into account (the receive rule of the algorithm) and returns a reading
   * later than both the remote stamp and every earlier local reading.
   *
   * @param remote a stamp that arrived from another node
   * @return the new local reading
   * @throws ClockSkewException if the stamp is too far ahead; the clock is then unchanged
   */
  public HybridTimestamp observe(HybridTimestamp remote) {
    ClockObservation o = tryObserve(remote);
    if (o instanceof ClockObservation.Refused r) {
      throw r.toException();
    }
    return ((ClockObservation.Adopted) o).reading();
  }

  /**
   * Observes a remote stamp if it passes the maximum-offset rule, and reports what happened instead
   * of throwing: for every remote stamp, from a peer or read from etcd. A refusal leaves the clock
   * unchanged and is counted in {@link #refusedStamps()}; the caller decides what happens to the
   * data that carried the stamp, but must not advance the clock past it by other means.
   *
   * @param remote a stamp that arrived from another node or from etcd
   * @return {@link ClockObservation.Adopted} with the new reading, or {@link
   *     ClockObservation.Refused}
   */
  public ClockObservation tryObserve(HybridTimestamp remote) {
    long physical = source.millis();
    long ahead = remote.wallMillis() - physical;
    if (ahead > maxOffsetMillis) {
      refused.increment();
      return new ClockObservation.Refused(remote, ahead, maxOffsetMillis);
    }
    return new ClockObservation.Adopted(
        last.updateAndGet(
            l -> {
              long wall = Math.max(Math.max(l.wallMillis(), remote.wallMillis()), physical);
              int logical;
              if (wall == l.wallMillis() && wall == remote.wallMillis()) {
                logical = Math.max(l.logical(), remote.logical()) + 1;
              } else if (wall == l.wallMillis()) {
                logical = l.logical() + 1;
              } else if (wall == remote.wallMillis()) {
                logical = remote.logical() + 1;
              } else {
                logical = 0;
              }
              return new HybridTimestamp(wall, logical);
            }));
  }

  /**
   * Returns whether a remote stamp would pass the maximum-offset rule now, without observing it or
   * counting anything.
   *
   * @param remote the stamp
   * @return true if it is at most the maximum offset ahead of the local physical clock
   */
  public boolean withinOffset(HybridTimestamp remote) {
    return remote.wallMillis() - source.millis() <= maxOffsetMillis;
  }

  /**
   * Raises the clock to at least {@code floor} without the offset check: for a node restoring the
   * last reading it persisted before a restart.
   *
   * @param floor the reading to continue after
   */
  public void advanceTo(HybridTimestamp floor) {
    last.accumulateAndGet(floor, HybridTimestamp::max);
  }

  /** Returns the last reading handed out (or restored), without advancing the clock. */
  public HybridTimestamp last() {
    return Objects.requireNonNull(last.get()); // never null: starts at ZERO, only raised
  }

  /** Returns how many remote stamps were refused for being too far ahead. */
  public long refusedStamps() {
    return refused.sum();
  }

  /** Returns the configured maximum offset. */
  public Duration maxOffset() {
    return Duration.ofMillis(maxOffsetMillis);
  }
}
