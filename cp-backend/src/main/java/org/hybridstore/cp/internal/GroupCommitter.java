package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * Group commit into etcd: guarded writes on different keys, from concurrent commands and from
 * merges, share transactions.
 *
 * <p><b>Batching.</b> At most {@code txnsInFlight} transactions are outstanding. A write that finds
 * fewer in flight leaves at once, alone or with whatever queued meanwhile; otherwise it queues, and
 * the next transaction to leave takes as many queued writes as etcd accepts in one ({@link
 * Txns#maxWrites} keys and {@link Txns#maxWriteBytes} bytes). At low load nothing waits; under load
 * the batches fill by themselves, which is what divides etcd's per-transaction cost (one raft
 * entry, one fsync, one apply) among many writes. An optional linger holds a partial batch back
 * while others are in flight, for at most that long.
 *
 * <p><b>Order.</b> Commands go before merges (a reconciliation of thousands of records does not
 * delay live writes by more than the transactions already in flight). A key appears at most once
 * per transaction (etcd refuses duplicates); a second write on a key waits for the next one, where
 * it usually loses the race and goes the per-key way.
 *
 * <p><b>Outcome per write.</b> {@link Committed} with the transaction's revision, or {@link Raced}
 * with the key's current value when its guard failed: the other writes of the transaction are not
 * affected, each has its own guard. A transaction that fails fails all its writes with the router's
 * classified exception. A command whose deadline passed while it queued fails definitely (it was
 * never sent). Thread-safe.
 */
final class GroupCommitter implements AutoCloseable {
  /** What happened to one write. */
  sealed interface Outcome permits Committed, Raced {
    /** The sequence number of the transaction that carried the write (counts transactions). */
    long transaction();
  }

  /**
   * The write committed.
   *
   * @param revision the transaction's revision
   * @param transaction the transaction's sequence number
   */
  record Committed(long revision, long transaction) implements Outcome {}

  /**
   * The guard failed: the key is now {@code current} (null if absent); nothing was written.
   *
   * @param current the key's value at the transaction's revision
   * @param revision the transaction's revision
   * @param transaction the transaction's sequence number
   */
  record Raced(@Nullable KeyValue current, long revision, long transaction) implements Outcome {}

  /** Sends one write transaction (through the {@link Router}, in production). */
  @FunctionalInterface
  interface Sender {
    /**
     * Sends a transaction.
     *
     * @param what what it writes, for messages
     * @param deadlineNanos the {@code System.nanoTime()} by which it must be over
     * @param request the transaction
     * @return etcd's answer, or the classified failure
     */
    CompletableFuture<TxnResponse> send(String what, long deadlineNanos, TxnRequest request);
  }

  /** A queued write. */
  private record Write(
      ByteString key,
      String keyText,
      long expectedModRevision,
      ByteString value,
      long deadlineNanos,
      int bytes,
      CompletableFuture<Outcome> done)
      implements Txns.WriteOp {}

  private final Sender sender;
  private final int maxWrites;
  private final int maxBytes;
  private final int maxInFlight;
  private final long lingerNanos;
  private final long timeoutNanos;
  private final ScheduledExecutorService scheduler;
  private final Executor completions;
  private final Counters counters;
  private final LongSupplier nanoTime;
  private final AtomicLong sequence = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock
  private final ArrayDeque<Write> commands = new ArrayDeque<>();
  private final ArrayDeque<Write> merges = new ArrayDeque<>();
  private int inFlight;
  private boolean lingering;
  private boolean closed;

  GroupCommitter(
      Sender sender,
      int maxTxnOps,
      int maxRequestBytes,
      int txnsInFlight,
      long lingerNanos,
      long timeoutNanos,
      ScheduledExecutorService scheduler,
      Executor completions,
      Counters counters,
      LongSupplier nanoTime) {
    this.sender = sender;
    this.maxWrites = Txns.maxWrites(maxTxnOps);
    this.maxBytes = Txns.maxWriteBytes(maxRequestBytes);
    this.maxInFlight = txnsInFlight;
    this.lingerNanos = lingerNanos;
    this.timeoutNanos = timeoutNanos;
    this.scheduler = scheduler;
    this.completions = completions;
    this.counters = counters;
    this.nanoTime = nanoTime;
  }

  /**
   * Queues a guarded write.
   *
   * @param key the key
   * @param keyText the key as text, for messages
   * @param expectedModRevision the mod revision the key must have, 0 if it must be absent
   * @param value the new value
   * @param command true for a command (deadline from now, goes first), false for a merge (deadline
   *     from when its transaction is sent)
   * @return the outcome
   */
  CompletableFuture<Outcome> submit(
      ByteString key, String keyText, long expectedModRevision, ByteString value, boolean command) {
    Write w =
        new Write(
            key,
            keyText,
            expectedModRevision,
            value,
            command ? nanoTime.getAsLong() + timeoutNanos : 0,
            Txns.writeBytes(key, value),
            new CompletableFuture<>());
    lock.lock();
    try {
      if (closed) {
        w.done.completeExceptionally(new StoreClosedException("etcd backend"));
        return w.done;
      }
      (command ? commands : merges).addLast(w);
    } finally {
      lock.unlock();
    }
    drain();
    return w.done;
  }

  /**
   * Queues many merge writes at once, so that they fill whole transactions from the first one
   * (queued one by one, the first few would leave alone while nothing is in flight).
   *
   * @param writes the guarded writes, on distinct keys
   * @return each write's outcome, in order
   */
  List<CompletableFuture<Outcome>> submitMerges(List<? extends Request> writes) {
    List<CompletableFuture<Outcome>> out = new ArrayList<>();
    lock.lock();
    try {
      for (Request r : writes) {
        Write w =
            new Write(
                r.key(),
                r.keyText(),
                r.expectedModRevision(),
                r.value(),
                0,
                Txns.writeBytes(r.key(), r.value()),
                new CompletableFuture<>());
        out.add(w.done);
        if (closed) {
          w.done.completeExceptionally(new StoreClosedException("etcd backend"));
        } else {
          merges.addLast(w);
        }
      }
    } finally {
      lock.unlock();
    }
    drain();
    return out;
  }

  /** What a caller asks to write. */
  interface Request {
    ByteString key();

    String keyText();

    /** The mod revision the key must have, or 0 if it must be absent. */
    long expectedModRevision();

    ByteString value();
  }

  /**
   * Sends one guarded write as a transaction of its own, now, outside the queue: the per-key
   * compare-and-swap after a lost race.
   *
   * @param key the key
   * @param keyText the key as text
   * @param expectedModRevision the mod revision the key must have, 0 if it must be absent
   * @param value the new value
   * @return the outcome
   */
  CompletableFuture<Outcome> single(
      ByteString key, String keyText, long expectedModRevision, ByteString value) {
    TxnRequest request = Txns.write(key, expectedModRevision, value);
    counters.writeTransactions.increment();
    long txn = sequence.incrementAndGet();
    return sender
        .send("write of " + keyText, nanoTime.getAsLong() + timeoutNanos, request)
        .thenApply(
            response -> {
              long revision = response.getHeader().getRevision();
              Outcome o =
                  response.getSucceeded()
                      ? new Committed(revision, txn)
                      : new Raced(
                          Txns.first(response.getResponses(0).getResponseRange()), revision, txn);
              if (o instanceof Committed) {
                counters.writtenRecords.increment();
              }
              return o;
            });
  }

  /** Sends transactions while there is room in flight and something queued. */
  private void drain() {
    while (true) {
      List<Write> batch;
      List<Write> expired = new ArrayList<>();
      long lingerFor = 0;
      lock.lock();
      try {
        if (inFlight >= maxInFlight || (commands.isEmpty() && merges.isEmpty())) {
          return;
        }
        long now = nanoTime.getAsLong();
        if (lingerNanos > 0 && inFlight > 0 && queued() < maxWrites) {
          Write oldest = commands.isEmpty() ? merges.peekFirst() : commands.peekFirst();
          long age = now - queuedAt(oldest, now);
          if (age < lingerNanos) {
            if (!lingering) {
              lingering = true;
              lingerFor = lingerNanos - age;
            } else {
              return;
            }
          }
        }
        if (lingerFor > 0) {
          batch = List.of();
        } else {
          batch = take(now, expired);
          if (!batch.isEmpty()) {
            inFlight++;
          }
        }
      } finally {
        lock.unlock();
      }
      for (Write w : expired) {
        w.done.completeExceptionally(
            new StoreUnavailableException(
                "etcd: write of "
                    + w.keyText
                    + " was not sent: its deadline passed while it waited for a transaction slot; nothing was written"));
      }
      if (lingerFor > 0) {
        scheduleLinger(lingerFor);
        return;
      }
      if (!batch.isEmpty()) {
        send(batch);
      }
    }
  }

  /** When a write was queued, as far as the linger cares: commands carry it in their deadline. */
  private long queuedAt(Write w, long now) {
    return w.deadlineNanos == 0 ? now - lingerNanos : w.deadlineNanos - timeoutNanos;
  }

  private int queued() {
    return commands.size() + merges.size();
  }

  private void scheduleLinger(long nanos) {
    try {
      scheduler.schedule(
          () -> {
            lock.lock();
            try {
              lingering = false;
            } finally {
              lock.unlock();
            }
            drain();
          },
          nanos,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      lock.lock();
      try {
        lingering = false;
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Takes the next batch: commands first, then merges; distinct keys; within etcd's limits. Expired
   * commands are moved to {@code expired}. Call with the lock held.
   */
  private List<Write> take(long now, List<Write> expired) {
    List<Write> batch = new ArrayList<>();
    Set<ByteString> keys = new HashSet<>();
    int bytes = 0;
    for (ArrayDeque<Write> queue : List.of(commands, merges)) {
      List<Write> deferred = new ArrayList<>();
      while (!queue.isEmpty() && batch.size() < maxWrites) {
        Write w = queue.peekFirst();
        if (!batch.isEmpty() && bytes + w.bytes > maxBytes) {
          break;
        }
        queue.pollFirst();
        if (w.deadlineNanos != 0 && now >= w.deadlineNanos) {
          expired.add(w);
        } else if (!keys.add(w.key)) {
          deferred.add(w);
        } else {
          batch.add(w);
          bytes += w.bytes;
        }
      }
      for (int i = deferred.size() - 1; i >= 0; i--) {
        queue.addFirst(deferred.get(i));
      }
    }
    return batch;
  }

  private void send(List<Write> batch) {
    long now = nanoTime.getAsLong();
    long deadline = now + timeoutNanos;
    for (Write w : batch) {
      if (w.deadlineNanos != 0) {
        deadline = Math.min(deadline, w.deadlineNanos);
      }
    }
    TxnRequest request =
        batch.size() == 1
            ? Txns.write(batch.get(0).key, batch.get(0).expectedModRevision, batch.get(0).value)
            : Txns.writes(batch);
    String what =
        batch.size() == 1
            ? "write of " + batch.get(0).keyText
            : "group commit of " + batch.size() + " records (" + batch.get(0).keyText + ", ...)";
    counters.writeTransactions.increment();
    long txn = sequence.incrementAndGet();
    CompletableFuture<TxnResponse> sent;
    try {
      sent = sender.send(what, deadline, request);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (response, error) -> {
          lock.lock();
          try {
            inFlight--;
          } finally {
            lock.unlock();
          }
          if (error != null) {
            Throwable cause = EtcdErrors.unwrap(error);
            batch.forEach(w -> w.done.completeExceptionally(cause));
          } else {
            complete(batch, response, txn);
          }
          drain();
        });
  }

  private void complete(List<Write> batch, TxnResponse response, long txn) {
    long revision = response.getHeader().getRevision();
    int committed = 0;
    for (int i = 0; i < batch.size(); i++) {
      Write w = batch.get(i);
      Outcome o;
      if (batch.size() == 1) {
        o =
            response.getSucceeded()
                ? new Committed(revision, txn)
                : new Raced(Txns.first(response.getResponses(0).getResponseRange()), revision, txn);
      } else {
        ResponseOp op = response.getResponses(i);
        TxnResponse inner = op.getResponseTxn();
        o =
            inner.getSucceeded()
                ? new Committed(revision, txn)
                : new Raced(Txns.first(inner.getResponses(0).getResponseRange()), revision, txn);
      }
      if (o instanceof Committed) {
        committed++;
      }
      if (batch.size() > 1 && w.deadlineNanos != 0) {
        // a command of a shared transaction goes on in a task of its own, side by side with the
        // others instead of one after the other on the thread that got etcd's answer (a
        // transaction of one completes in place; so do merges, whose continuations are short and
        // whose batches are large)
        Completions.completeIn(completions, w.done, o, null);
      } else {
        w.done.complete(o);
      }
    }
    counters.writtenRecords.add(committed);
  }

  /** Fails what is queued; transactions in flight complete as etcd answers. */
  @Override
  public void close() {
    List<Write> dropped = new ArrayList<>();
    lock.lock();
    try {
      closed = true;
      dropped.addAll(commands);
      dropped.addAll(merges);
      commands.clear();
      merges.clear();
    } finally {
      lock.unlock();
    }
    dropped.forEach(w -> w.done.completeExceptionally(new StoreClosedException("etcd backend")));
  }
}
