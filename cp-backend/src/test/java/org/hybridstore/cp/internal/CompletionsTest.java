package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link Completions#deliver}: a stage completes in place when its answer arrives in a task of the
 * backend's executor, and in a task of its own otherwise. The executor here runs what it is given
 * when the test says so, on the test's thread, so every hand-off can be counted.
 */
class CompletionsTest {
  /** An executor whose tasks wait in a list until {@link #runAll}. */
  static final class Manual implements java.util.concurrent.Executor {
    final List<Runnable> tasks = new ArrayList<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    int runAll() {
      int n = 0;
      while (!tasks.isEmpty()) {
        tasks.remove(0).run();
        n++;
      }
      return n;
    }
  }

  @Test
  void deliver_completesInPlace_whenTheAnswerArrivesInAnExecutorTask() {
    Manual manual = new Manual();
    CallbackExecutor callbacks = new CallbackExecutor(manual);
    CompletableFuture<String> inner = new CompletableFuture<>();
    CompletionStage<String> out = Completions.deliver(inner, callbacks);
    AtomicReference<Boolean> seenInTask = new AtomicReference<>();
    out.whenComplete((v, e) -> seenInTask.set(callbacks.inTask()));

    callbacks.execute(() -> inner.complete("answer")); // a gRPC callback
    assertThat(manual.runAll()).isEqualTo(1); // the callback itself; no second task

    assertThat(out.toCompletableFuture().getNow("none")).isEqualTo("answer");
    assertThat(seenInTask.get()).isTrue();
    assertThat(callbacks.inTask()).isFalse();
  }

  @Test
  void deliver_handsOff_whenTheAnswerArrivesOnAnotherThread() {
    Manual manual = new Manual();
    CallbackExecutor callbacks = new CallbackExecutor(manual);
    CompletableFuture<String> inner = new CompletableFuture<>();
    CompletionStage<String> out = Completions.deliver(inner, callbacks);

    inner.complete("answer"); // a timer thread, say: not the executor's
    assertThat(out.toCompletableFuture().isDone()).isFalse();
    assertThat(manual.runAll()).isEqualTo(1);
    assertThat(out.toCompletableFuture().getNow("none")).isEqualTo("answer");
  }

  @Test
  void deliver_handsOff_anAnswerThatIsThereBeforeTheCallReturns() {
    Manual manual = new Manual();
    CallbackExecutor callbacks = new CallbackExecutor(manual);
    AtomicReference<CompletionStage<String>> out = new AtomicReference<>();
    // the caller itself runs in an executor task, and the answer is already there: completing in
    // place would run the caller's continuation inside its own call
    callbacks.execute(
        () -> out.set(Completions.deliver(CompletableFuture.completedFuture("cached"), callbacks)));
    manual.tasks.remove(0).run();
    assertThat(out.get().toCompletableFuture().isDone()).isFalse();
    assertThat(manual.runAll()).isEqualTo(1);
    assertThat(out.get().toCompletableFuture().getNow("none")).isEqualTo("cached");
  }

  @Test
  void deliver_passesFailures_inPlaceAndHandedOff() {
    Manual manual = new Manual();
    CallbackExecutor callbacks = new CallbackExecutor(manual);
    IllegalStateException cause = new IllegalStateException("boom");

    CompletableFuture<String> inner = new CompletableFuture<>();
    CompletionStage<String> inPlace = Completions.deliver(inner.thenApply(s -> s), callbacks);
    callbacks.execute(() -> inner.completeExceptionally(cause));
    assertThat(manual.runAll()).isEqualTo(1);
    assertThatThrownBy(() -> inPlace.toCompletableFuture().join()).hasCause(cause);

    CompletionStage<String> handedOff =
        Completions.deliver(CompletableFuture.<String>failedFuture(cause), callbacks);
    assertThat(manual.runAll()).isEqualTo(1);
    assertThatThrownBy(() -> handedOff.toCompletableFuture().join()).hasCause(cause);
  }
}
