package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.github.resilience4j.core.IntervalFunction;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.hybridstore.CorruptDataException;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend.ChangeListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed behind {@code StrongBackend.watch}: an etcd watch stream on the key prefix, on
 * one member's connection, that this class reopens itself, so that exactly one thing decides where
 * to resume.
 *
 * <p><b>States.</b> Either a stream is open from {@code lastRevision + 1} on a member, or a reopen
 * is scheduled (after a failure, with the watch backoff), or a full re-read is running, or the feed
 * is closed. Every stream gets a generation number; callbacks of an older generation are ignored,
 * so nothing is delivered twice.
 *
 * <p><b>Resume.</b> Any error or end of the stream (member restart, lost connection, {@code
 * etcdserver: no leader}: the stream carries {@code hasleader=true}, so etcd ends it when its
 * member loses the leader), and the stream's member ceasing to serve in the backend's {@link
 * MemberView}, closes the stream and opens a new one from the last delivered revision + 1 on a
 * member that serves. When none serves, the reopen takes the member that answered last; the first
 * member to serve again then moves the stream to it (a member that does not serve may be cut off,
 * throttled or behind, and answer late or never: after a {@code gray-slow} heal in a chaos run the
 * feed sat on the throttled member for 2-4 s while the other two served). A cancellation because
 * the revision was compacted triggers a full re-read: a paged range over the prefix at one revision
 * R, delivered at R, then a watch from R + 1. R is the compaction revision the cancellation names
 * (the oldest etcd still has), so no version after it is skipped; a feed started from revision 0
 * begins with such a re-read at the current revision.
 *
 * <p><b>Delivery.</b> Every PUT of a watch response with its own mod revision ({@link
 * ChangeListener#onEvents}; deletions and keys that are no orders are skipped; undecodable values
 * are logged and skipped), and every page of a re-read ({@link ChangeListener#onResync}, the last
 * page flagged), go to the listener on the context's executor, one delivery at a time, in revision
 * order. A listener that implements only {@code onChanges} gets each response collapsed to the last
 * value per order, and each non-empty page.
 *
 * <p><b>Logs.</b> The first failure after a working stream is logged once; failures while the feed
 * cannot reopen are only counted in the backend's failure summary, and a reopened stream after that
 * is logged once. Thread-safe.
 */
final class EtcdWatchFeed implements AutoCloseable, MemberView.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdWatchFeed.class);
  private static final int PAGE = 500;

  private final MemberView view;
  private final Reader reader;
  private final EtcdKeys keys;
  private final BackendContext context;
  private final IntervalFunction backoff;
  private final FailureLog failures;
  private final LongSupplier nanoTime;
  private final ChangeListener listener;
  private final SerialExecutor delivery;
  private final Consumer<EtcdWatchFeed> onClose;
  private final ReentrantLock lock = new ReentrantLock();

  // guarded by lock
  private long lastRevision;
  private long generation;
  private int failuresInARow;
  private boolean closed;
  private boolean broken;
  private @Nullable ClientCallStreamObserver<WatchRequest> stream;
  private @Nullable MemberConnection member;

  /** The token of the scheduled reopen the feed waits for (its backoff), 0 if none. */
  private long waitingReopen;

  private long reopenTokens;

  EtcdWatchFeed(
      MemberView view,
      Reader reader,
      EtcdKeys keys,
      BackendContext context,
      IntervalFunction backoff,
      FailureLog failures,
      LongSupplier nanoTime,
      long fromRevision,
      ChangeListener listener,
      Consumer<EtcdWatchFeed> onClose) {
    this.view = view;
    this.reader = reader;
    this.keys = keys;
    this.context = context;
    this.backoff = backoff;
    this.failures = failures;
    this.nanoTime = nanoTime;
    this.listener = listener;
    this.delivery = new SerialExecutor(context.executor());
    this.onClose = onClose;
    this.lastRevision = Math.max(0, fromRevision);
  }

  void start() {
    view.addListener(this);
    if (lastRevision == 0) {
      reread(0);
    } else {
      open();
    }
  }

  /** Returns the last revision delivered (or being delivered). */
  long lastRevision() {
    lock.lock();
    try {
      return lastRevision;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void open() {
    long gen;
    long from;
    MemberConnection m = view.next(false, 0, nanoTime.getAsLong());
    lock.lock();
    try {
      if (closed || m == null) {
        return;
      }
      gen = ++generation;
      from = lastRevision + 1;
      member = m;
    } finally {
      lock.unlock();
    }
    StreamObserver<WatchResponse> responses =
        new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse response) {
            onResponse(gen, response);
          }

          @Override
          public void onError(Throwable error) {
            onFailure(gen, error, 0);
          }

          @Override
          public void onCompleted() {
            onFailure(gen, null, 0);
          }
        };
    ClientCallStreamObserver<WatchRequest> s;
    try {
      s = (ClientCallStreamObserver<WatchRequest>) m.watch.watch(responses);
      s.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(
                  WatchCreateRequest.newBuilder()
                      .setKey(keys.prefixBytes())
                      .setRangeEnd(keys.prefixEnd())
                      .setStartRevision(from))
              .build());
    } catch (RuntimeException e) {
      onFailure(gen, e, 0);
      return;
    }
    boolean stale;
    lock.lock();
    try {
      stale = closed || gen != generation;
      if (!stale) {
        stream = s;
      }
    } finally {
      lock.unlock();
    }
    if (stale) {
      cancel(s);
    }
  }

  private void onResponse(long gen, WatchResponse response) {
    if (response.getCanceled()) {
      // A cancellation for compaction names the compaction revision, the oldest etcd still has.
      long compactRevision = response.getCompactRevision();
      onFailure(
          gen,
          compactRevision > 0
              ? null
              : new IllegalStateException("watch cancelled by etcd: " + response.getCancelReason()),
          compactRevision);
      return;
    }
    // Every PUT with its own mod revision, in the response's (revision) order; listeners that only
    // implement onChanges get them collapsed to the last version per order.
    List<StoredRecord> events = new ArrayList<>();
    long maxRevision = 0;
    for (Event event : response.getEventsList()) {
      KeyValue kvp = event.getKv();
      maxRevision = Math.max(maxRevision, kvp.getModRevision());
      if (event.getType() != Event.EventType.PUT) {
        continue;
      }
      decode(kvp).ifPresent(events::add);
    }
    boolean recovered;
    lock.lock();
    try {
      if (closed || gen != generation) {
        return;
      }
      failuresInARow = 0;
      recovered = broken;
      broken = false;
      if (maxRevision > lastRevision) {
        lastRevision = maxRevision;
        if (!events.isEmpty()) {
          List<StoredRecord> delivered = List.copyOf(events);
          long revision = maxRevision;
          delivery.execute(() -> listener.onEvents(delivered, revision));
        }
      }
    } finally {
      lock.unlock();
    }
    if (recovered) {
      LOG.info(
          "watch on {} works again on {}, from revision {}",
          keys.prefix(),
          memberName(),
          lastRevision());
    }
  }

  @Override
  public void servingChanged(MemberConnection m, boolean serving) {
    long gen;
    @Nullable MemberConnection from = null;
    @Nullable ClientCallStreamObserver<WatchRequest> old = null;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      if (serving) {
        if (waitingReopen != 0) {
          // A member serves again while the feed waits out its backoff (up to the backoff's max
          // after a long outage): reopen now instead, so the mirror and the confirmations that
          // follow it resume as soon as etcd does.
          waitingReopen = 0;
        } else if (member != null && member != m && !view.serving(member, nanoTime.getAsLong())) {
          // The stream is on a member that does not serve: opened while none did (the one that
          // answered last), it may be cut off, slowed or behind, and answer late or never. Move.
          from = member;
          generation++; // everything that stream still says is ignored from now on
          member = null;
          old = stream;
          stream = null;
        } else {
          return;
        }
      } else if (member != m) {
        return;
      }
      gen = generation;
    } finally {
      lock.unlock();
    }
    if (from != null) {
      if (old != null) {
        cancel(old);
      }
      LOG.info(
          "watch on {} moves from {}, which does not serve, to a member that does ({} serves"
              + " again)",
          keys.prefix(),
          from.endpoint,
          m.endpoint);
      schedule(this::open, 0);
    } else if (serving) {
      schedule(this::open, 0);
    } else {
      onFailure(gen, new IllegalStateException(m.endpoint + " stopped serving"), 0);
    }
  }

  /** Runs a reopen scheduled after a backoff, unless a member's return ran it early. */
  private void reopenAfterBackoff(long token) {
    lock.lock();
    try {
      if (waitingReopen != token) {
        return;
      }
      waitingReopen = 0;
    } finally {
      lock.unlock();
    }
    open();
  }

  /**
   * A failure or the end of the stream: close it and decide how to go on.
   *
   * @param compactRevision if the watch was cancelled because its start revision was compacted, the
   *     compaction revision etcd names (the oldest it still has), which the re-read is at; else 0
   */
  private void onFailure(long gen, @Nullable Throwable error, long compactRevision) {
    ClientCallStreamObserver<WatchRequest> s;
    long delay;
    boolean first;
    long token;
    boolean compacted = compactRevision > 0;
    lock.lock();
    try {
      if (closed || gen != generation) {
        return;
      }
      generation++; // everything this stream still says is ignored from now on
      s = stream;
      stream = null;
      // No stream until the next open: a member that stops serving meanwhile (during the backoff or
      // a re-read) must not start a second reopen, which could deliver live changes amid a re-read.
      member = null;
      failuresInARow++;
      delay = compacted ? 0 : backoff.apply(failuresInARow);
      first = !broken;
      broken = true;
      token = compacted ? 0 : ++reopenTokens;
      waitingReopen = token;
    } finally {
      lock.unlock();
    }
    if (s != null) {
      cancel(s);
    }
    String why =
        error == null
            ? (compacted ? "revision compacted" : "stream ended")
            : String.valueOf(EtcdErrors.unwrap(error).getMessage());
    if (first) {
      LOG.info(
          "watch on {} ended ({}); resuming after revision {} in {} ms{}",
          keys.prefix(),
          why,
          lastRevision(),
          delay,
          compacted ? " with a full re-read at revision " + compactRevision : "");
    } else {
      failures.count("watch");
    }
    schedule(compacted ? () -> reread(compactRevision) : () -> reopenAfterBackoff(token), delay);
  }

  /**
   * Re-reads the whole prefix at one revision ({@code at}, or the current one if 0), delivers it,
   * and watches from there. If the read fails because {@code at} was compacted meanwhile, the feed
   * opens the watch again from its last revision, whose compaction error names the new revision.
   */
  private void reread(long at) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
    } finally {
      lock.unlock();
    }
    readPage(keys.prefixBytes(), at)
        .whenComplete(
            (revision, error) -> {
              if (error != null) {
                long delay;
                boolean first;
                lock.lock();
                try {
                  failuresInARow++;
                  delay = backoff.apply(failuresInARow);
                  first = !broken;
                  broken = true;
                } finally {
                  lock.unlock();
                }
                boolean compacted =
                    at > 0 && EtcdErrors.classify(error, false).kind() == EtcdErrors.Kind.COMPACTED;
                if (first || compacted) {
                  LOG.info(
                      "re-read of {} failed ({}); {} in {} ms",
                      keys.prefix(),
                      EtcdErrors.unwrap(error).getMessage(),
                      compacted
                          ? "watching again to learn the new compaction revision"
                          : "trying again",
                      delay);
                } else {
                  failures.count("watch");
                }
                schedule(compacted ? this::open : () -> reread(at), delay);
                return;
              }
              lock.lock();
              try {
                lastRevision = Math.max(lastRevision, revision);
              } finally {
                lock.unlock();
              }
              open();
            });
  }

  /**
   * Reads one page starting at {@code from}, at {@code revision} (0 = current, which fixes the
   * revision for the following pages), delivers it and reads the next; completes with the revision.
   */
  private CompletableFuture<Long> readPage(ByteString from, long revision) {
    return reader
        .page(from, revision, PAGE)
        .thenCompose(
            (RangeResponse response) -> {
              long at = revision > 0 ? revision : response.getHeader().getRevision();
              List<StoredRecord> records = new ArrayList<>();
              for (KeyValue kvp : response.getKvsList()) {
                decode(kvp).ifPresent(records::add);
              }
              boolean more = response.getMore() && response.getKvsCount() > 0;
              lock.lock();
              try {
                if (closed) {
                  return CompletableFuture.completedFuture(at);
                }
                List<StoredRecord> delivered = List.copyOf(records);
                delivery.execute(() -> listener.onResync(delivered, at, !more));
              } finally {
                lock.unlock();
              }
              if (more) {
                ByteString next =
                    EtcdKeys.successor(response.getKvs(response.getKvsCount() - 1).getKey());
                return readPage(next, at);
              }
              return CompletableFuture.completedFuture(at);
            });
  }

  /** Decodes a version for the listener, with the bytes etcd holds (see {@link StoredRecord}). */
  private Optional<StoredRecord> decode(KeyValue kvp) {
    Optional<OrderId> id = keys.orderIdOf(kvp.getKey());
    if (id.isEmpty()) {
      return Optional.empty();
    }
    try {
      OrderRecord record = reader.feedRecord(kvp, keys.keyString(id.get()));
      return Optional.of(
          new StoredRecord(record, kvp.getModRevision(), kvp.getValue().toByteArray()));
    } catch (CorruptDataException e) {
      LOG.warn("change feed skips a value it cannot decode: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private String memberName() {
    lock.lock();
    try {
      return member == null ? "?" : member.endpoint;
    } finally {
      lock.unlock();
    }
  }

  private void schedule(Runnable task, long delayMillis) {
    try {
      context.scheduler().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.warn("scheduler rejected the change feed's restart; the feed on {} stops", keys.prefix());
    }
  }

  private static void cancel(ClientCallStreamObserver<WatchRequest> s) {
    try {
      s.cancel("watch closed", null);
    } catch (RuntimeException e) {
      LOG.debug("cancelling a watch stream", e);
    }
  }

  @Override
  public void close() {
    ClientCallStreamObserver<WatchRequest> s;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      generation++;
      s = stream;
      stream = null;
    } finally {
      lock.unlock();
    }
    view.removeListener(this);
    if (s != null) {
      cancel(s);
    }
    onClose.accept(this);
  }
}
