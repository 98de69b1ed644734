package org.hybridstore;

/** A status change that is not an edge of the status graph; carries both ends. */
public final class IllegalTransitionException extends CommandRejectedException {
  private static final long serialVersionUID = 1L;

  private final OrderStatus from;
  private final OrderStatus to;

  /**
   * Creates the exception.
   *
   * @param orderId the order
   * @param from its current status
   * @param to the status the command asked for
   */
  public IllegalTransitionException(OrderId orderId, OrderStatus from, OrderStatus to) {
    super(
        Reason.ILLEGAL_TRANSITION,
        orderId,
        "illegal status transition "
            + from
            + " -> "
            + to
            + " (allowed from "
            + from
            + ": "
            + from.successors()
            + ")");
    this.from = from;
    this.to = to;
  }

  /** Returns the status the order had. */
  public OrderStatus from() {
    return from;
  }

  /** Returns the status the command asked for. */
  public OrderStatus to() {
    return to;
  }
}
