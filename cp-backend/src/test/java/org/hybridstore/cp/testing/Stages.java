package org.hybridstore.cp.testing;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for stages in tests and rethrows their failure as it is, without wrappers. */
public final class Stages {
  private Stages() {}

  /**
   * Waits at most 30 s.
   *
   * @param stage the stage
   * @param <T> its value type
   * @return its value
   */
  public static <T> T join(CompletionStage<T> stage) {
    return join(stage, Duration.ofSeconds(30));
  }

  /**
   * Waits for a stage and returns its value, or throws the exception it failed with (unwrapped if
   * unchecked).
   *
   * @param stage the stage
   * @param timeout how long to wait
   * @param <T> its value type
   * @return its value
   */
  public static <T> T join(CompletionStage<T> stage, Duration timeout) {
    try {
      return stage.toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("stage did not complete within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
