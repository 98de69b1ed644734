package org.hybridstore.chaos.cluster;

/**
 * A cluster-control step failed: a command exited non-zero or timed out, a process died, or the
 * cluster did not become healthy within its bound. The message names the step and carries the
 * command's output or the last observed state.
 */
public final class ClusterException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, with the observed state
   */
  public ClusterException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed, with the observed state
   * @param cause the underlying failure
   */
  public ClusterException(String message, Throwable cause) {
    super(message, cause);
  }
}
