package org.hybridstore.chaos.bench;

import org.jspecify.annotations.Nullable;

/**
 * A benchmark that could not be carried out: a phase made no progress, a condition was not reached
 * within its bound, or the cluster or a store could not be started. The message says which phase
 * and what was last observed.
 */
public final class BenchmarkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, with the phase and the last observed state
   */
  public BenchmarkException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what failed, with the phase and the last observed state
   * @param cause the underlying failure
   */
  public BenchmarkException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
