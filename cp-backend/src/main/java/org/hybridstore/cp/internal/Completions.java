package org.hybridstore.cp.internal;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
   */
  static <T> CompletionStage<T> deliver(CompletableFuture<T> inner, Executor executor) {
    CompletableFuture<T> out = new CompletableFuture<>();
    inner.whenComplete(
        (v, e) -> {
          try {
            executor.execute(() -> complete(out, v, e));
          } catch (RejectedExecutionException rejected) {
            complete(out, v, e);
          }
        });
    return out.minimalCompletionStage();
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
