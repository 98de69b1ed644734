package org.hybridstore.cp.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.OrderStoreException;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.cp.internal.EtcdErrors.Signal;
import org.jspecify.annotations.Nullable;

/**
 * Sends each call to a member that serves, and to another one when that member does not answer
 * usefully, all within the call's one deadline.
 *
 * <p><b>Choice.</b> {@link MemberView#next} picks the member (serving ones first, the leader first
 * for writes and linearizable reads). The call's gRPC deadline is the call's own deadline, so every
 * attempt ends by then.
 *
 * <p><b>Retries.</b> A failure that another member may answer differently ({@code no leader},
 * connection refused or lost, a timeout, an unknown error) sends the call to the next member not
 * tried yet; when every member failed, the router waits ({@link Backoffs#memberRound()}: an
 * election takes one to two election timeouts) and starts another round, while the deadline allows
 * and some member served within the last request timeout (otherwise it is an outage, not an
 * election, and the call fails at once, as fast as the members answer). A stale auth token is
 * dropped (that member logs in again on its next call) and the call sent again, once, to any
 * member, that one included. A failure that is the request's own (etcd refused it, TLS,
 * credentials) ends the call.
 *
 * <p><b>Hedges.</b> {@link #hedgeStalled} (on the checker's timer) sends a call that has waited for
 * more than two stall limits on members that have all stalled (requests pending, no answer for a
 * check interval) to a member that serves, without cancelling the first attempt; the first answer
 * wins. When every member is slow, none serves and nothing is hedged, so an overloaded cluster does
 * not get more work.
 *
 * <p><b>Why retrying writes is safe.</b> Every write of this backend is guarded: each key's compare
 * on its mod revision (or on version 0 for a create). Two attempts of the same write carry the same
 * guard, so at most one of them can commit: the first to commit moves the revision, and the other's
 * compare fails. A write whose twin committed therefore comes back as a lost race whose current
 * record already holds the write's op id, which the callers report as a duplicate.
 *
 * <p><b>Outcome.</b> A failed read is always definite ({@code StoreUnavailableException}). A failed
 * write is indeterminate if any of its attempts may have been applied, and definite only if every
 * attempt failed definitely ({@link EtcdErrors}), so retrying never makes the classification
 * weaker. Thread-safe.
 */
final class Router implements AutoCloseable {
  /** What a call does, which decides its member order. */
  enum Kind {
    /** A guarded write: leader first. */
    WRITE,
    /** A linearizable read: leader first. */
    LINEARIZABLE,
    /** A serializable read: any member, rotating. */
    SERIALIZABLE
  }

  /**
   * Sends one attempt of a call to a member, with the call's deadline; the answer goes to {@code
   * out}.
   */
  @FunctionalInterface
  interface Rpc<T> {
    void send(MemberConnection member, Deadline deadline, StreamObserver<T> out);
  }

  private final MemberView view;
  private final ScheduledExecutorService scheduler;
  private final IntervalFunction roundBackoff;
  private final Counters counters;
  private final FailureLog failures;
  private final LongSupplier nanoTime;
  private final long giveUpNanos;
  private final Set<Call<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Creates the router.
   *
   * @param view the members
   * @param scheduler for the waits between rounds
   * @param roundBackoff the wait after the n-th round in which no member served
   * @param giveUpNanos no more rounds once no member has served anything for this long (an outage,
   *     not an election); the request timeout
   * @param counters where reroutes are counted
   * @param failures where failures are counted
   * @param nanoTime the clock
   */
  Router(
      MemberView view,
      ScheduledExecutorService scheduler,
      IntervalFunction roundBackoff,
      long giveUpNanos,
      Counters counters,
      FailureLog failures,
      LongSupplier nanoTime) {
    this.view = view;
    this.scheduler = scheduler;
    this.roundBackoff = roundBackoff;
    this.giveUpNanos = giveUpNanos;
    this.counters = counters;
    this.failures = failures;
    this.nanoTime = nanoTime;
  }

  /**
   * Sends a call.
   *
   * @param what what it is about, for messages (e.g. the key)
   * @param kind write or read, which decides member order and how failures are classified
   * @param deadlineNanos the {@code System.nanoTime()} by which the call must be over
   * @param rpc sends one attempt
   * @param <T> the response type
   * @return the first successful response, or the failure translated by {@link EtcdErrors}
   */
  <T> CompletableFuture<T> call(String what, Kind kind, long deadlineNanos, Rpc<T> rpc) {
    Call<T> call = new Call<>(what, kind, deadlineNanos, rpc);
    if (closed) {
      call.result.completeExceptionally(new StoreClosedException("etcd backend"));
      return call.result;
    }
    pending.add(call);
    call.result.whenComplete((v, e) -> pending.remove(call));
    call.next();
    return call.result;
  }

  /** Hedges every pending call whose attempts all wait on members that have stalled. */
  void hedgeStalled(long now) {
    for (Call<?> c : pending) {
      c.hedge(now);
    }
  }

  /** Returns how many calls are pending (for tests and the checker). */
  int pendingCalls() {
    return pending.size();
  }

  /** Fails every pending call; later calls fail at once. */
  @Override
  public void close() {
    closed = true;
    for (Call<?> c : List.copyOf(pending)) {
      c.abandon();
    }
  }

  /** One call and its attempts. Its state is guarded by the call itself. */
  private final class Call<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    private final String what;
    private final Kind kind;
    private final long deadline;
    private final Rpc<T> rpc;
    // guarded by this
    private long tried;
    private long active;
    private int inFlight;
    private int attempts;
    private int rounds;
    private long lastSent;
    private boolean tokenRefreshed;
    private @Nullable Throwable lastError;
    private @Nullable Throwable maybeApplied;

    Call(String what, Kind kind, long deadline, Rpc<T> rpc) {
      this.what = what;
      this.kind = kind;
      this.deadline = deadline;
      this.rpc = rpc;
    }

    /** Sends the next attempt, waits for a new round, or fails: whatever the state allows. */
    void next() {
      MemberConnection member = null;
      long wait = -1; // -1: give up
      synchronized (this) {
        if (result.isDone() || inFlight > 0) {
          return;
        }
        long now = nanoTime.getAsLong();
        if (!closed && now < deadline) {
          member = view.next(kind != Kind.SERIALIZABLE, tried, now);
          if (member != null) {
            mark(member);
          } else if (lastError != null && now - view.lastSuccessAnywhere() > giveUpNanos) {
            // Every member failed, and none has served anything for longer than a call may take:
            // this is no election but an outage, and waiting for one more round only delays the
            // caller's fallback. (During an election some member served shortly before.)
            wait = -1;
          } else {
            rounds++;
            tried = 0;
            long w = TimeUnit.MILLISECONDS.toNanos(roundBackoff.apply(rounds));
            wait = now + w < deadline ? w : -1;
          }
        }
      }
      if (member != null) {
        send(member, nanoTime.getAsLong());
      } else if (wait >= 0) {
        try {
          scheduler.schedule(this::next, wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          fail();
        }
      } else {
        fail();
      }
    }

    /** Sends the call to a serving member too if every member it waits on has stalled. */
    void hedge(long now) {
      MemberConnection member;
      synchronized (this) {
        if (result.isDone()
            || inFlight == 0
            || closed
            || now >= deadline
            || now - lastSent < 2 * view.stallNanos()) {
          return; // a hedge doubles the work: only for calls waiting clearly longer than the stall
          // limit
        }
        for (MemberConnection m : view.connections()) {
          if ((active & (1L << m.index)) != 0 && !view.health(m).stalled(now, view.stallNanos())) {
            return; // someone we wait on still answers
          }
        }
        member = view.next(kind != Kind.SERIALIZABLE, tried | active, now);
        if (member == null || !view.serving(member, now)) {
          return;
        }
        mark(member);
      }
      send(member, now);
    }

    /** Call with the lock held. */
    private void mark(MemberConnection member) {
      lastSent = nanoTime.getAsLong();
      long bit = 1L << member.index;
      tried |= bit;
      active |= bit;
      inFlight++;
      if (attempts++ > 0) {
        counters.rerouted.increment();
      }
    }

    private void send(MemberConnection member, long now) {
      MemberHealth health = view.health(member);
      health.begin(now);
      CompletableFuture<T> f =
          Completions.call(
              out ->
                  rpc.send(
                      member,
                      Deadline.after(Math.max(1, deadline - now), TimeUnit.NANOSECONDS),
                      out));
      f.whenComplete(
          (value, error) -> {
            if (error != null) {
              onFailure(member, error);
              return;
            }
            health.succeeded(nanoTime.getAsLong(), 0);
            synchronized (this) {
              inFlight--;
              active &= ~(1L << member.index);
            }
            result.complete(value);
          });
    }

    private void onFailure(MemberConnection member, Throwable error) {
      Signal signal = EtcdErrors.signal(error);
      view.health(member)
          .failed(
              nanoTime.getAsLong(),
              signal,
              signal.label() + ": " + EtcdErrors.unwrap(error).getMessage());
      failures.count(signal.label());
      boolean end;
      synchronized (this) {
        inFlight--;
        active &= ~(1L << member.index);
        if (result.isDone()) {
          return;
        }
        lastError = error;
        if (kind == Kind.WRITE
            && EtcdErrors.classify(error, true).outcome() == EtcdErrors.Outcome.INDETERMINATE) {
          maybeApplied = error;
        }
        end = !signal.retryable();
        if (signal == Signal.STALE_TOKEN && !tokenRefreshed) {
          tokenRefreshed = true;
          member.invalidateToken();
          tried &= ~(1L << member.index);
        }
      }
      if (end) {
        fail();
      } else {
        next();
      }
    }

    /** Ends the call with the failure its attempts justify. */
    private void fail() {
      OrderStoreException failure;
      synchronized (this) {
        if (result.isDone()) {
          return;
        }
        Throwable last = lastError;
        if (closed) {
          failure =
              maybeApplied != null
                  ? new IndeterminateWriteException(
                      "etcd backend closed while the write of "
                          + what
                          + " was in flight; it may or may not have been applied",
                      maybeApplied)
                  : new StoreClosedException("etcd backend");
        } else if (last == null) {
          failure =
              new StoreUnavailableException(
                  "etcd: "
                      + what
                      + " was not sent: its deadline passed before any"
                      + " member could take it ("
                      + view.describe(nanoTime.getAsLong())
                      + ")");
        } else if (kind == Kind.WRITE) {
          failure = EtcdErrors.forWrite(maybeApplied != null ? maybeApplied : last, what);
        } else {
          failure = EtcdErrors.forRead(last, what);
        }
      }
      result.completeExceptionally(failure);
    }

    /** The backend closes: fail now (attempts in flight are left to their deadlines). */
    void abandon() {
      fail();
    }
  }
}
