package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.core.IntervalFunction;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.StoreUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Member choice, retries, hedges and the outcome classification of routed calls, with calls
 * answered by the test. No network: the connections are never used.
 */
class RouterTest {
  private static final long STALL = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(2);
  private final MembersFixture members = new MembersFixture(3);
  private final FailureLog failures =
      new FailureLog(
          LoggerFactory.getLogger(RouterTest.class),
          TimeUnit.SECONDS.toNanos(10),
          System::nanoTime);
  private final MemberView view = new MemberView(members.connections, STALL, failures);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final Counters counters = new Counters();
  private final Router router =
      new Router(
          view,
          scheduler,
          IntervalFunction.of(Duration.ofMillis(5)),
          TIMEOUT,
          counters,
          failures,
          System::nanoTime);
  private final List<Integer> calls = new ArrayList<>();

  @AfterEach
  void close() {
    router.close();
    scheduler.shutdownNow();
    members.close();
  }

  private static RuntimeException grpc(Status status) {
    return status.asRuntimeException();
  }

  /** A call whose attempt on member i is answered by {@code answer.apply(i, attemptNumber)}. */
  private CompletableFuture<String> call(
      Router.Kind kind, BiFunction<Integer, Integer, Object> answer) {
    AtomicInteger attempt = new AtomicInteger();
    return router.<String>call(
        "the key",
        kind,
        System.nanoTime() + TIMEOUT,
        (m, d, out) -> {
          synchronized (calls) {
            calls.add(m.index);
          }
          Object a = answer.apply(m.index, attempt.getAndIncrement());
          if (a instanceof RuntimeException e) {
            out.onError(e);
          } else if (a != null) {
            out.onNext((String) a);
            out.onCompleted();
          } // null: never answers
        });
  }

  private void served(int i) {
    view.health(members.connections.get(i)).begin(System.nanoTime());
    view.health(members.connections.get(i)).succeeded(System.nanoTime(), 0);
  }

  private static Throwable failure(CompletableFuture<?> f) {
    return EtcdErrors.unwrap(f.handle((v, e) -> e).join());
  }

  @Test
  void call_memberWithoutLeader_nextMemberAnswers() {
    served(0);
    served(1);
    served(2);
    CompletableFuture<String> f =
        call(
            Router.Kind.WRITE,
            (m, n) ->
                n == 0
                    ? grpc(Status.UNAVAILABLE.withDescription("etcdserver: no leader"))
                    : "ok-" + m);
    assertThat(f.join()).startsWith("ok-");
    assertThat(calls).hasSize(2).doesNotHaveDuplicates();
    assertThat(counters.snapshot().rerouted()).isEqualTo(1);
    assertThat(view.serving(members.connections.get(calls.get(0)), System.nanoTime())).isFalse();
  }

  @Test
  void write_indeterminateThenDefinite_staysIndeterminate() {
    served(0);
    CompletableFuture<String> f =
        call(
            Router.Kind.WRITE,
            (m, n) ->
                n == 0
                    ? grpc(Status.UNAVAILABLE.withDescription("etcdserver: leader changed"))
                    : grpc(
                        Status.INVALID_ARGUMENT.withDescription(
                            "etcdserver: too many operations in txn request")));
    assertThat(failure(f))
        .isInstanceOf(IndeterminateWriteException.class)
        .hasMessageContaining("the key");
    assertThat(calls).hasSize(2);
  }

  @Test
  void write_refusedByEtcd_endsAtOnceAndDefinitely() {
    served(0);
    CompletableFuture<String> f =
        call(
            Router.Kind.WRITE,
            (m, n) ->
                grpc(Status.INVALID_ARGUMENT.withDescription("etcdserver: request is too large")));
    assertThat(failure(f))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("not applied");
    assertThat(calls).hasSize(1);
  }

  @Test
  void read_noMemberEverServed_failsAfterOneRound() {
    long start = System.nanoTime();
    CompletableFuture<String> f =
        call(
            Router.Kind.LINEARIZABLE,
            (m, n) -> grpc(Status.UNAVAILABLE.withDescription("io exception")));
    assertThat(failure(f)).isInstanceOf(StoreUnavailableException.class);
    assertThat(calls).hasSize(3).doesNotHaveDuplicates();
    assertThat(System.nanoTime() - start).isLessThan(TIMEOUT / 2);
  }

  @Test
  void election_everyMemberRefusesForAWhile_roundsContinueUntilOneServes() {
    served(0); // the cluster was fine a moment ago
    CompletableFuture<String> f =
        call(
            Router.Kind.WRITE,
            (m, n) ->
                n < 7
                    ? grpc(Status.UNAVAILABLE.withDescription("etcdserver: no leader"))
                    : "elected");
    assertThat(f.join()).isEqualTo("elected");
    assertThat(calls).hasSize(8);
  }

  @Test
  void staleToken_refreshedAndSentAgain() {
    served(0);
    served(1);
    served(2);
    CompletableFuture<String> f =
        call(
            Router.Kind.WRITE,
            (m, n) ->
                n == 0
                    ? grpc(
                        Status.INVALID_ARGUMENT.withDescription("etcdserver: invalid auth token"))
                    : "ok-" + m);
    assertThat(f.join()).startsWith("ok-");
    assertThat(calls).hasSize(2);
    // the member with the stale token still serves: it may take the retry, with a new token
    assertThat(view.serving(members.connections.get(calls.get(0)), System.nanoTime())).isTrue();
  }

  @Test
  void hedge_callStuckOnAStalledMember_sentToOneThatServes() {
    served(0);
    served(1);
    served(2);
    view.status(members.connections.get(0), 1, 100, 100, 1);
    view.status(members.connections.get(1), 1, 101, 100, 1);
    view.status(members.connections.get(2), 1, 102, 100, 1);
    // member 0 is the leader but has been cut off: it never answers
    CompletableFuture<String> f = call(Router.Kind.WRITE, (m, n) -> m == 0 ? null : "ok-" + m);
    assertThat(calls).containsExactly(0);
    router.hedgeStalled(System.nanoTime());
    assertThat(calls).as("not hedged before two stall limits").containsExactly(0);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              router.hedgeStalled(System.nanoTime());
              return f.isDone();
            });
    assertThat(f.join()).startsWith("ok-");
    assertThat(counters.snapshot().rerouted()).isEqualTo(1);
  }

  @Test
  void close_pendingCallsFail() {
    served(0);
    CompletableFuture<String> f = call(Router.Kind.LINEARIZABLE, (m, n) -> null);
    router.close();
    assertThat(failure(f)).isInstanceOf(org.hybridstore.StoreClosedException.class);
    assertThat(
            router.<String>call(
                "x",
                Router.Kind.LINEARIZABLE,
                System.nanoTime() + TIMEOUT,
                (m, d, out) -> out.onNext("never")))
        .isCompletedExceptionally();
  }
}
