package org.hybridstore;

/**
 * An id, a payload or a configuration value does not meet its documented rules (length, character
 * set, range, size). Thrown before anything is changed. Retrying the same input fails again.
 */
public final class InvalidInputException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  private final String field;

  /**
   * Creates the exception.
   *
   * @param field the name of the offending field, as a user would write it (e.g. {@code "orderId"})
   * @param message what is wrong with it
   */
  public InvalidInputException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** Returns the name of the field that was rejected. */
  public String field() {
    return field;
  }

  static void check(boolean condition, String field, String message) {
    if (!condition) {
      throw new InvalidInputException(field, message);
    }
  }
}
