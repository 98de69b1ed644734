package org.hybridstore.cp.internal;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** Small helpers for the backend's futures. */
final class Completions {
  private Completions() {}

  /**
   * A unary gRPC call's answer as a future: pass it as the call's {@link StreamObserver}. It
   * completes on whatever thread completes the call (the channel's executor).
   */
  static final class Unary<T> extends CompletableFuture<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {
      complete(value);
    }

    @Override
    public void onError(Throwable error) {
      completeExceptionally(error);
    }

    @Override
    public void onCompleted() {
      // a unary call delivers its one value through onNext
    }
  }

  /** Starts a unary call and returns its answer; a call that throws on start fails the future. */
  static <T> CompletableFuture<T> call(java.util.function.Consumer<StreamObserver<T>> start) {
    Unary<T> out = new Unary<>();
    try {
      start.accept(out);
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
    }
    return out;
  }

  /**
   * Completes on the executor and hides the future's completion methods from callers; failures lose
   * their {@code CompletionException} wrappers.
   *
   * <p>When {@code inner} completes later, in a task of the executor (a gRPC callback), the stage
   * completes right there: that thread is the executor's already, and a second hand-off would only
   * add a thread wake-up to every call. When it is complete already, or completes on another thread
   * (a timer, or the caller's own, before this method returns), the stage completes in a task of
   * its own, so that a caller's continuation never runs inside its own call.
   */
  static <T> CompletionStage<T> deliver(CompletableFuture<T> inner, CallbackExecutor executor) {
    CompletableFuture<T> out = new CompletableFuture<>();
    if (inner.isDone()) {
      inner.whenComplete((v, e) -> completeIn(executor, out, v, e));
      return out.minimalCompletionStage();
    }
    AtomicBoolean returned = new AtomicBoolean();
    inner.whenComplete(
        (v, e) -> {
          if (returned.get() && executor.inTask()) {
            complete(out, v, e);
          } else {
            completeIn(executor, out, v, e);
          }
        });
    returned.set(true);
    return out.minimalCompletionStage();
  }

  /**
   * Completes {@code out} in a task of the executor, or here if the executor refuses the task (it
   * is shutting down: the caller still gets its answer).
   */
  static <T> void completeIn(
      Executor executor, CompletableFuture<T> out, @Nullable T value, @Nullable Throwable error) {
    try {
      executor.execute(() -> complete(out, value, error));
    } catch (RejectedExecutionException rejected) {
      complete(out, value, error);
    }
  }

  static <T> void complete(CompletableFuture<T> out, @Nullable T value, @Nullable Throwable error) {
    if (error != null) {
      out.completeExceptionally(EtcdErrors.unwrap(error));
    } else {
      out.complete(value);
    }
  }

  static <T> CompletionStage<T> failed(Throwable t) {
    return CompletableFuture.<T>failedFuture(t).minimalCompletionStage();
  }
}
