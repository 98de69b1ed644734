package org.hybridstore.model;

import java.util.Objects;

/**
 * What {@link HybridLogicalClock#tryObserve} did with a remote stamp: adopted it (the clock moved
 * past it) or refused it (it was further ahead than the maximum offset; the clock is unchanged). An
 * expected outcome, returned as data: callers count and log a refusal, and decide what to do with
 * the data that carried the stamp (drop it, or keep it without advancing the clock).
 */
public sealed interface ClockObservation
    permits ClockObservation.Adopted, ClockObservation.Refused {
  /** Returns whether the stamp was adopted. */
  boolean adopted();

  /**
   * The stamp was within the maximum offset and the clock observed it.
   *
   * @param reading the clock's reading after observing it: later than the stamp
   */
  record Adopted(HybridTimestamp reading) implements ClockObservation {
    /** Checks the field. */
    public Adopted {
      Objects.requireNonNull(reading, "reading");
    }

    @Override
    public boolean adopted() {
      return true;
    }
  }

  /**
   * The stamp was more than the maximum offset ahead of the local physical clock; the clock did not
   * move. Already counted in {@link HybridLogicalClock#refusedStamps()}.
   *
   * @param remote the refused stamp
   * @param aheadMillis how far it was ahead of the local physical clock
   * @param maxOffsetMillis the configured maximum offset
   */
  record Refused(HybridTimestamp remote, long aheadMillis, long maxOffsetMillis)
      implements ClockObservation {
    /** Checks the fields. */
    public Refused {
      Objects.requireNonNull(remote, "remote");
    }

    @Override
    public boolean adopted() {
      return false;
    }

    /** Returns the refusal as the exception {@link HybridLogicalClock#observe} throws. */
    public org.hybridstore.ClockSkewException toException() {
      return new org.hybridstore.ClockSkewException(aheadMillis, maxOffsetMillis);
    }
  }
}
