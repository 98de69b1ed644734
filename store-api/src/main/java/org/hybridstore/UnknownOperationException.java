package org.hybridstore;

/**
 * {@link OrderStore#confirmation(OpId)} does not know the op id. One of:
 *
 * <ul>
 *   <li>no write with this op id was ever applied (a write that failed definitely, or a typo);
 *   <li>it is older than the retention bound: an order keeps its {@value
 *       OrderLimits#OP_ID_RETENTION} most recent op ids, and this one was pushed out by later
 *       writes to the same order (this can also end a pending confirmation, if 64 later writes to
 *       the order pushed it out before etcd held it: its effects are merged, but it can no longer
 *       be told apart);
 *   <li>it has not reached this node yet: the node answers from its own replica, which learns a
 *       write from etcd's change feed or from its peers; ask again, or ask the node that accepted
 *       it.
 * </ul>
 *
 * Nothing was changed; asking again later is safe.
 */
public final class UnknownOperationException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  private final String opId;

  /**
   * Creates the exception.
   *
   * @param opId the op id asked for
   * @param detail why it is unknown, if more is known than the class says
   */
  public UnknownOperationException(OpId opId, String detail) {
    super("unknown op id " + opId + ": " + detail, false);
    this.opId = opId.value();
  }

  /** Returns the op id asked for. */
  public OpId opId() {
    return OpId.of(opId);
  }
}
