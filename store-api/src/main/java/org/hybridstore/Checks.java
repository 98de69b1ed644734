package org.hybridstore;

import java.time.Duration;

/** Argument checks for configuration builders; each failure names the field. */
final class Checks {
  private Checks() {}

  static Duration positive(String field, Duration d) {
    InvalidInputException.check(d != null, field, "must not be null");
    InvalidInputException.check(
        !d.isNegative() && !d.isZero(), field, "must be positive, was " + d);
    return d;
  }

  static int atLeast(String field, int value, int min) {
    InvalidInputException.check(value >= min, field, "must be at least " + min + ", was " + value);
    return value;
  }
}
