package org.hybridstore.cp.internal;

import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The context's executor as the backend hands it to gRPC, marked: code can tell whether it runs in
 * one of its tasks ({@link #inTask()}), that is, on the executor already. {@link
 * Completions#deliver} uses it to complete a caller's stage in place of handing it to the executor
 * once more: on the STRONG write path that saves one thread hand-off per write. Thread-safe.
 */
final class CallbackExecutor implements Executor {
  private static final ThreadLocal<@Nullable CallbackExecutor> RUNNING = new ThreadLocal<>();

  private final Executor delegate;

  CallbackExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    delegate.execute(
        () -> {
          CallbackExecutor outer = RUNNING.get();
          RUNNING.set(this);
          try {
            task.run();
          } finally {
            RUNNING.set(outer);
          }
        });
  }

  /** Whether the calling thread runs a task of this executor. */
  boolean inTask() {
    return RUNNING.get() == this;
  }
}
