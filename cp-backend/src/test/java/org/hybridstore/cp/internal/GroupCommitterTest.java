package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.cp.internal.GroupCommitter.Committed;
import org.hybridstore.cp.internal.GroupCommitter.Outcome;
import org.hybridstore.cp.internal.GroupCommitter.Raced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batching, limits, order and outcomes of the group commit, against a fake etcd. No network. */
class GroupCommitterTest {
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(1);
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<TxnRequest> sent = new ArrayList<>();
  private final List<CompletableFuture<TxnResponse>> answers = new ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final Counters counters = new Counters();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private GroupCommitter committer(int maxTxnOps, int maxRequestBytes, int inFlight) {
    return committer(maxTxnOps, maxRequestBytes, inFlight, Runnable::run);
  }

  private GroupCommitter committer(
      int maxTxnOps, int maxRequestBytes, int inFlight, Executor completions) {
    return new GroupCommitter(
        (what, deadline, request) -> {
          CompletableFuture<TxnResponse> answer = new CompletableFuture<>();
          synchronized (sent) {
            sent.add(request);
            answers.add(answer);
          }
          return answer;
        },
        maxTxnOps,
        maxRequestBytes,
        inFlight,
        0,
        TIMEOUT,
        scheduler,
        completions,
        counters,
        now::get);
  }

  private static ByteString key(String k) {
    return ByteString.copyFromUtf8("/p/" + k);
  }

  private CompletableFuture<Outcome> submit(GroupCommitter c, String k, boolean command) {
    return c.submit(key(k), "/p/" + k, 5, ByteString.copyFromUtf8("value-" + k), command);
  }

  /** etcd's answer to a nested batch: every write committed except those listed as raced. */
  private static TxnResponse answer(TxnRequest request, long revision, String... raced) {
    TxnResponse.Builder out =
        TxnResponse.newBuilder()
            .setSucceeded(true)
            .setHeader(ResponseHeader.newBuilder().setRevision(revision));
    for (var op : request.getSuccessList()) {
      TxnRequest inner = op.getRequestTxn();
      String k = inner.getCompare(0).getKey().toStringUtf8();
      boolean lost = List.of(raced).contains(k);
      TxnResponse.Builder nested = TxnResponse.newBuilder().setSucceeded(!lost);
      if (lost) {
        nested.addResponses(
            ResponseOp.newBuilder()
                .setResponseRange(
                    RangeResponse.newBuilder()
                        .addKvs(
                            KeyValue.newBuilder()
                                .setKey(inner.getCompare(0).getKey())
                                .setModRevision(revision - 1))));
      }
      out.addResponses(ResponseOp.newBuilder().setResponseTxn(nested));
    }
    return out.build();
  }

  private static TxnResponse single(boolean ok, long revision) {
    TxnResponse.Builder b =
        TxnResponse.newBuilder()
            .setSucceeded(ok)
            .setHeader(ResponseHeader.newBuilder().setRevision(revision));
    b.addResponses(ResponseOp.newBuilder().setResponseRange(RangeResponse.getDefaultInstance()));
    return b.build();
  }

  @Test
  void submit_nothingInFlight_sentAtOnceAsOneGuardedWrite() {
    GroupCommitter c = committer(128, 1 << 20, 4);
    CompletableFuture<Outcome> done = submit(c, "a", true);
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).getCompareCount()).as("flat, not nested").isEqualTo(1);
    answers.get(0).complete(single(true, 9));
    assertThat(done.join()).isEqualTo(new Committed(9, 1));
    assertThat(counters.snapshot().writtenRecords()).isEqualTo(1);
  }

  @Test
  void submit_whileTheSlotIsTaken_queuedWritesShareTheNextTransaction() {
    GroupCommitter c = committer(128, 1 << 20, 1);
    CompletableFuture<Outcome> first = submit(c, "a", true);
    List<CompletableFuture<Outcome>> later = new ArrayList<>();
    for (String k : List.of("b", "c", "d", "e")) {
      later.add(submit(c, k, true));
    }
    assertThat(sent).hasSize(1);
    answers.get(0).complete(single(true, 10));
    assertThat(first.join()).isInstanceOf(Committed.class);
    assertThat(sent).hasSize(2);
    TxnRequest batch = sent.get(1);
    assertThat(batch.getSuccessCount()).isEqualTo(4);
    // one lost race does not hold back the others
    answers.get(1).complete(answer(batch, 11, "/p/c"));
    assertThat(later.get(0).join()).isEqualTo(new Committed(11, 2));
    Raced raced = (Raced) later.get(1).join();
    assertThat(raced.current().getKey().toStringUtf8()).isEqualTo("/p/c");
    assertThat(later.get(2).join()).isInstanceOf(Committed.class);
    assertThat(counters.snapshot().writeTransactions()).isEqualTo(2);
    assertThat(counters.snapshot().writtenRecords()).isEqualTo(4);
  }

  @Test
  void complete_aTransactionOfOneInPlace_theCommandsOfABatchEachInATaskOfItsOwn_mergesInPlace() {
    List<Runnable> tasks = new ArrayList<>();
    GroupCommitter c = committer(128, 1 << 20, 1, tasks::add);
    CompletableFuture<Outcome> first = submit(c, "a", true);
    List<CompletableFuture<Outcome>> commands = List.of(submit(c, "b", true), submit(c, "c", true));
    CompletableFuture<Outcome> merge = submit(c, "d", false);

    answers.get(0).complete(single(true, 10));
    assertThat(first).as("alone in its transaction: completed in place").isDone();
    assertThat(tasks).isEmpty();

    answers.get(1).complete(answer(sent.get(1), 11));
    assertThat(merge).as("a merge completes in place").isDone();
    assertThat(commands).noneMatch(CompletableFuture::isDone);
    assertThat(tasks).hasSize(2);
    tasks.forEach(Runnable::run);
    assertThat(commands).allMatch(f -> f.join() instanceof Committed);
  }

  @Test
  void batches_respectTheOperationAndByteLimits() {
    GroupCommitter c = committer(4, 1 << 20, 1); // 3 nested writes per transaction
    submit(c, "x", true);
    for (int i = 0; i < 7; i++) {
      submit(c, "k" + i, true);
    }
    answers.get(0).complete(single(true, 2));
    assertThat(sent.get(1).getSuccessCount()).isEqualTo(3);
    answers.get(1).complete(answer(sent.get(1), 3));
    assertThat(sent.get(2).getSuccessCount()).isEqualTo(3);
    answers.get(2).complete(answer(sent.get(2), 4));
    assertThat(sent.get(3).getSuccessCount()).isEqualTo(1);

    // bytes: values of 100 KiB, 300 KiB of room per transaction
    List<TxnRequest> before = new ArrayList<>(sent);
    GroupCommitter small = committer(128, 300 * 1024 + Txns.REQUEST_OVERHEAD, 1);
    small.submit(key("big0"), "big0", 1, ByteString.copyFrom(new byte[100 * 1024]), true);
    for (int i = 1; i <= 5; i++) {
      small.submit(key("big" + i), "big" + i, 1, ByteString.copyFrom(new byte[100 * 1024]), true);
    }
    answers.get(before.size()).complete(single(true, 5));
    TxnRequest next = sent.get(before.size() + 1);
    assertThat(next.getSuccessCount()).isEqualTo(2);
    assertThat(next.getSerializedSize()).isLessThanOrEqualTo(300 * 1024);
  }

  @Test
  void aKeyTwiceInOneBatch_theSecondWaitsForTheNextTransaction() {
    GroupCommitter c = committer(128, 1 << 20, 1);
    submit(c, "busy", true);
    submit(c, "a", true);
    submit(c, "a", true);
    submit(c, "b", true);
    answers.get(0).complete(single(true, 2));
    TxnRequest batch = sent.get(1);
    assertThat(batch.getSuccessList())
        .extracting(op -> op.getRequestTxn().getCompare(0).getKey().toStringUtf8())
        .containsExactly("/p/a", "/p/b");
    answers.get(1).complete(answer(batch, 3));
    assertThat(sent.get(2).getCompare(0).getKey().toStringUtf8()).isEqualTo("/p/a");
  }

  @Test
  void commandsGoBeforeMerges() {
    GroupCommitter c = committer(3, 1 << 20, 1); // 2 per transaction
    submit(c, "busy", true);
    submit(c, "m1", false);
    submit(c, "m2", false);
    submit(c, "c1", true);
    answers.get(0).complete(single(true, 2));
    assertThat(sent.get(1).getSuccessList())
        .extracting(op -> op.getRequestTxn().getCompare(0).getKey().toStringUtf8())
        .containsExactly("/p/c1", "/p/m1");
  }

  @Test
  void failedTransaction_failsEveryWriteWithTheSameClassifiedException() {
    GroupCommitter c = committer(128, 1 << 20, 1);
    submit(c, "busy", true);
    CompletableFuture<Outcome> a = submit(c, "a", true);
    CompletableFuture<Outcome> b = submit(c, "b", false);
    answers.get(0).complete(single(true, 2));
    IndeterminateWriteException failure = new IndeterminateWriteException("timeout", null);
    answers.get(1).completeExceptionally(failure);
    assertThat(a).isCompletedExceptionally();
    assertThat(a.handle((v, e) -> EtcdErrors.unwrap(e)).join()).isSameAs(failure);
    assertThat(b.handle((v, e) -> EtcdErrors.unwrap(e)).join()).isSameAs(failure);
  }

  @Test
  void commandWhoseDeadlinePassedInTheQueue_failsDefinitelyWithoutBeingSent() {
    GroupCommitter c = committer(128, 1 << 20, 1);
    submit(c, "busy", true);
    CompletableFuture<Outcome> late = submit(c, "late", true);
    CompletableFuture<Outcome> merge = submit(c, "merge", false);
    now.addAndGet(TIMEOUT + 1);
    answers.get(0).complete(single(true, 2));
    assertThat(late.handle((v, e) -> EtcdErrors.unwrap(e)).join())
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("was not sent");
    // a merge's deadline starts when its transaction leaves
    assertThat(sent.get(1).getCompare(0).getKey().toStringUtf8()).isEqualTo("/p/merge");
    assertThat(merge).isNotDone();
  }

  @Test
  void single_bypassesTheQueue() {
    GroupCommitter c = committer(128, 1 << 20, 1);
    submit(c, "busy", true);
    CompletableFuture<Outcome> cas =
        c.single(key("hot"), "/p/hot", 7, ByteString.copyFromUtf8("v"));
    assertThat(sent).hasSize(2);
    answers.get(1).complete(single(false, 8));
    assertThat(cas.join()).isInstanceOf(Raced.class);
  }
}
