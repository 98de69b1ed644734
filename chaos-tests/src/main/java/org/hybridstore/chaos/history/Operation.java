package org.hybridstore.chaos.history;

import java.util.Objects;

/**
 * A client invocation paired with its completion, if any (Jepsen's "pair").
 *
 * @param invocation the INVOKE event
 * @param completion the OK, FAIL or INFO event of the same process, or null when the history ends
 *     (or the process invokes again) before the operation completes
 */
public record Operation(Op invocation, Op completion) {

  /**
   * Validates the pair.
   *
   * @throws IllegalArgumentException if the invocation is not an INVOKE, the completion is not a
   *     completion, or they belong to different processes
   */
  public Operation {
    Objects.requireNonNull(invocation, "invocation");
    if (invocation.type() != OpType.INVOKE) {
      throw new IllegalArgumentException("not an invocation: " + invocation);
    }
    if (completion != null) {
      if (!completion.type().isCompletion()) {
        throw new IllegalArgumentException("not a completion: " + completion);
      }
      if (completion.process() != invocation.process()) {
        throw new IllegalArgumentException("process mismatch: " + invocation + " / " + completion);
      }
    }
  }

  /**
   * Tells whether the outcome is unknown: completed with INFO, or never completed.
   *
   * @return true when the operation may or may not have taken effect
   */
  public boolean isUnknown() {
    return completion == null || completion.type() == OpType.INFO;
  }

  /**
   * Tells whether the operation completed with OK.
   *
   * @return true for an OK completion
   */
  public boolean isOk() {
    return completion != null && completion.type() == OpType.OK;
  }

  /**
   * Tells whether the operation completed with FAIL.
   *
   * @return true for a FAIL completion
   */
  public boolean isFailed() {
    return completion != null && completion.type() == OpType.FAIL;
  }

  /**
   * Returns the completion type, with INFO for an operation that never completed.
   *
   * @return OK, FAIL or INFO
   */
  public OpType outcome() {
    return completion == null ? OpType.INFO : completion.type();
  }

  @Override
  public String toString() {
    return invocation + " -> " + (completion == null ? "(never completed)" : completion.toString());
  }
}
