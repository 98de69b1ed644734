package org.hybridstore.model;

import org.hybridstore.CorruptDataException;
import org.hybridstore.InvalidInputException;

/**
 * A hybrid logical clock reading: the largest physical time (milliseconds since the epoch) the node
 * has seen, plus a logical counter that orders events within the same millisecond. Ordered by wall
 * time, then counter.
 *
 * @param wallMillis physical component, not negative
 * @param logical logical component, not negative
 */
public record HybridTimestamp(long wallMillis, int logical) implements Comparable<HybridTimestamp> {
  /** The smallest timestamp. */
  public static final HybridTimestamp ZERO = new HybridTimestamp(0, 0);

  /** Validates the components. */
  public HybridTimestamp {
    if (wallMillis < 0 || logical < 0) {
      throw new InvalidInputException(
          "hybridTimestamp", "components must not be negative: " + wallMillis + "." + logical);
    }
  }

  @Override
  public int compareTo(HybridTimestamp o) {
    int c = Long.compare(wallMillis, o.wallMillis);
    return c != 0 ? c : Integer.compare(logical, o.logical);
  }

  /** Returns whichever of the two is later. */
  static HybridTimestamp max(HybridTimestamp a, HybridTimestamp b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Returns {@code wall.logical}, the form used in encoded records. */
  @Override
  public String toString() {
    return wallMillis + "." + logical;
  }

  /**
   * Parses the form {@link #toString()} writes.
   *
   * @param text {@code wall.logical}
   * @return the timestamp
   * @throws CorruptDataException if the text is not of that form
   */
  public static HybridTimestamp parse(String text) {
    int dot = text.indexOf('.');
    try {
      if (dot <= 0) {
        throw new NumberFormatException("no '.'");
      }
      return new HybridTimestamp(
          Long.parseLong(text.substring(0, dot)), Integer.parseInt(text.substring(dot + 1)));
    } catch (NumberFormatException | InvalidInputException e) {
      throw new CorruptDataException("malformed hybrid timestamp '" + text + "'", e);
    }
  }
}
