package org.hybridstore.chaos.history;

import java.util.Locale;

/**
 * The type of a history event, as in Jepsen.
 *
 * <p>An operation is an {@link #INVOKE} followed by at most one completion of the same process:
 * {@link #OK}, {@link #FAIL} or {@link #INFO}.
 */
public enum OpType {
  /** The process started the operation. */
  INVOKE,
  /** The operation definitely happened; the value is its result. */
  OK,
  /** The operation definitely did not happen. */
  FAIL,
  /**
   * We do not know whether the operation happened (a timeout, a crash): it may still take effect.
   */
  INFO;

  /**
   * Returns the Jepsen keyword name of this type, without the colon ({@code "invoke"}, ...).
   *
   * @return the lower-case name
   */
  public String keyword() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a Jepsen type name, with or without the leading colon, in any case.
   *
   * @param name for example {@code ":ok"} or {@code "invoke"}
   * @return the type
   * @throws IllegalArgumentException if the name is not one of invoke, ok, fail, info
   */
  public static OpType parse(String name) {
    String n = name.startsWith(":") ? name.substring(1) : name;
    for (OpType t : values()) {
      if (t.keyword().equalsIgnoreCase(n)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown op type: " + name);
  }

  /**
   * Tells whether this type completes an operation.
   *
   * @return true for OK, FAIL and INFO
   */
  public boolean isCompletion() {
    return this != INVOKE;
  }
}
