package org.hybridstore.model;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A last-writer-wins register: a value (or {@code null} for "removed", a tombstone) and the stamp
 * of the write that set it. The merge keeps the value with the larger stamp.
 *
 * @param value the value, or {@code null} if removed
 * @param stamp who set it and when
 * @param <T> the value type
 */
public record Lww<T>(@Nullable T value, Stamp stamp) {
  /** Requires a stamp. */
  public Lww {
    Objects.requireNonNull(stamp, "stamp");
  }

  /** Returns whether the register holds a value (is not a tombstone). */
  public boolean isPresent() {
    return value != null;
  }

  /**
   * Returns the register with the later stamp. Two writes never share a stamp unless they are the
   * same write; if they ever did, the value's text breaks the tie so every replica still picks the
   * same one.
   *
   * @param other the other replica's register
   * @return the winner
   */
  public Lww<T> merge(Lww<T> other) {
    int c = stamp.compareTo(other.stamp);
    if (c == 0) {
      c = Boolean.compare(value != null, other.value != null);
    }
    if (c == 0 && Objects.equals(value, other.value)) {
      return this; // the same write on both sides, the common case: no text to build
    }
    if (c == 0) {
      c = String.valueOf(value).compareTo(String.valueOf(other.value));
    }
    return c >= 0 ? this : other;
  }
}
