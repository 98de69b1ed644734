package org.hybridstore.chaos.checker;

import java.util.Locale;

/** A checker's verdict, as Jepsen's {@code :valid?}: true, false or {@code :unknown}. */
public enum Validity {
  /** The history satisfies the property. */
  VALID,
  /** The history violates the property; the details say where. */
  INVALID,
  /** The checker could not decide (budget exceeded, no data, or it failed). Never a pass. */
  UNKNOWN;

  /**
   * Merges two verdicts: INVALID beats UNKNOWN, which beats VALID (Jepsen's merge-valid).
   *
   * @param other the other verdict
   * @return the merged verdict
   */
  public Validity merge(Validity other) {
    if (this == INVALID || other == INVALID) {
      return INVALID;
    }
    if (this == UNKNOWN || other == UNKNOWN) {
      return UNKNOWN;
    }
    return VALID;
  }

  /**
   * Returns the lower-case name used in reports.
   *
   * @return {@code "valid"}, {@code "invalid"} or {@code "unknown"}
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
