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
    OVERSIZED,
    /** No authentication envelope, an unknown key, or a MAC that does not verify. */
    UNAUTHENTICATED,
    /** Authenticated, but the sender is not a configured member. */
    UNKNOWN_MEMBER,
    /** Authenticated, but seen before. */
    REPLAYED,
    /** Authenticated, but its timestamp is outside the accepted window. */
    STALE,
    /** Authenticated, but addressed to another node. */
    MISDIRECTED,
    /** The payload names a sender other than the authenticated one. */
    FORGED_SENDER
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
      case UNAUTHENTICATED -> counters.droppedUnauthenticated();
      case UNKNOWN_MEMBER -> counters.droppedUnknownMember();
      case REPLAYED -> counters.droppedReplayed();
      case STALE -> counters.droppedStale();
      case MISDIRECTED -> counters.droppedMisdirected();
      case FORGED_SENDER -> counters.droppedForgedSender();
      default -> throw new AssertionError(kind);
    }
  }
}
