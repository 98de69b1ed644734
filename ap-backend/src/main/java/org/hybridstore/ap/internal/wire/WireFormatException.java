package org.hybridstore.ap.internal.wire;

/** Bytes from a peer that are not an allowed, well-formed message; the message is dropped. */
public final class WireFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a message was refused. */
  public enum Kind {
    /** Not JSON, or missing or ill-typed fields. */
    MALFORMED,
    /** A {@code "type"} outside the allow-list. */
    UNKNOWN_TYPE,
    /** Larger than the configured maximum. */
    OVERSIZED
  }

  private final Kind kind;

  /**
   * Creates the exception.
   *
   * @param kind why
   * @param message details
   */
  public WireFormatException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  /** Returns why the message was refused. */
  public Kind kind() {
    return kind;
  }

  /**
   * Counts this refusal.
   *
   * @param counters where
   */
  public void countIn(Counters counters) {
    switch (kind) {
      case MALFORMED -> counters.droppedMalformed();
      case UNKNOWN_TYPE -> counters.droppedUnknownType();
      case OVERSIZED -> counters.droppedOversized();
      default -> throw new AssertionError(kind);
    }
  }
}
