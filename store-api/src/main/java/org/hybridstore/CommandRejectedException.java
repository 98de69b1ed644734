package org.hybridstore;

/**
 * A well-formed command that cannot be applied to the order as it is: the order does not exist,
 * already exists, is past the state the command needs, or the op id was used before for a different
 * command. Nothing was changed. The {@link #reason()} tells which.
 */
public class CommandRejectedException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  /** Why a command was rejected. */
  public enum Reason {
    /** The command needs an existing order and there is none with that id. */
    NOT_FOUND,
    /** A create command for an id that already holds an order created by another op id. */
    ALREADY_EXISTS,
    /** The status transition is not an edge of the status graph (see {@link OrderStatus}). */
    ILLEGAL_TRANSITION,
    /** The order's lines can only change while it is {@link OrderStatus#CREATED}. */
    ORDER_LOCKED,
    /** The op id was already applied to this order with a different command. */
    OP_ID_REUSED,
    /** The order would exceed a size limit (see {@link OrderLimits}). */
    LIMIT_EXCEEDED
  }

  private final Reason reason;
  private final OrderId orderId;

  /**
   * Creates the exception.
   *
   * @param reason why
   * @param orderId the order the command was for
   * @param message details for a person
   */
  public CommandRejectedException(Reason reason, OrderId orderId, String message) {
    super(orderId.value() + ": " + message);
    this.reason = reason;
    this.orderId = orderId;
  }

  /** Returns why the command was rejected. */
  public Reason reason() {
    return reason;
  }

  /** Returns the order the command was for. */
  public OrderId orderId() {
    return orderId;
  }
}
