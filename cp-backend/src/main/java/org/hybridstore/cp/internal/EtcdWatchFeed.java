package org.hybridstore.cp.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.hybridstore.CorruptDataException;
import org.hybridstore.OrderId;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend.ChangeListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed behind {@code StrongBackend.watch}: a jetcd watch on the key prefix that this
 * class restarts itself, so that exactly one thing decides where to resume.
 *
 * <p><b>States.</b> Either a watch is open from {@code lastRevision + 1}, or a restart is scheduled
 * (after an error, with backoff 100 ms doubling to 2 s), or a full re-read is running, or the feed
 * is closed. Every jetcd watcher gets a generation number; callbacks of an older generation are
 * ignored, so a watcher that jetcd itself resumes in the background can never deliver twice.
 *
 * <p><b>Resume.</b> Any error or end of the stream (member restart, lost connection, {@code
 * etcdserver: no leader} because the watch requires a leader) closes the watcher and opens a new
 * one from the last delivered revision + 1, through whichever member the channel picks. A
 * cancellation because the revision was compacted triggers a full re-read: a paged range over the
 * prefix at one revision R, delivered at R, then a watch from R + 1. R is the compaction revision
 * the cancellation names (the oldest etcd still has), so no version after it is skipped; a feed
 * started from revision 0 begins with such a re-read at the current revision.
 *
 * <p><b>Delivery.</b> Every PUT of a watch response with its own mod revision ({@link
 * ChangeListener#onEvents}; deletions and keys that are no orders are skipped; undecodable values
 * are logged and skipped), and every page of a re-read ({@link ChangeListener#onResync}, the last
 * page flagged), go to the listener on the context's executor, one delivery at a time, in revision
 * order. A listener that implements only {@code onChanges} gets each response collapsed to the last
 * value per order, and each non-empty page.
 *
 * <p>Thread-safe.
 */
final class EtcdWatchFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdWatchFeed.class);
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 2_000;
  private static final int PAGE = 500;

  private final Watch watchClient;
  private final KV kv;
  private final EtcdKeys keys;
  private final Duration requestTimeout;
  private final BackendContext context;
  private final ChangeListener listener;
  private final SerialExecutor delivery;
  private final Consumer<EtcdWatchFeed> onClose;
  private final ReentrantLock lock = new ReentrantLock();

  // guarded by lock
  private long lastRevision;
  private long generation;
  private int failures;
  private boolean closed;
  private Watch.@Nullable Watcher watcher;

  EtcdWatchFeed(Watch watchClient, KV kv, EtcdKeys keys, Duration requestTimeout, BackendContext context,
      long fromRevision, ChangeListener listener, Consumer<EtcdWatchFeed> onClose) {
    this.watchClient = watchClient;
    this.kv = kv;
    this.keys = keys;
    this.requestTimeout = requestTimeout;
    this.context = context;
    this.listener = listener;
    this.delivery = new SerialExecutor(context.executor());
    this.onClose = onClose;
    this.lastRevision = Math.max(0, fromRevision);
  }

  void start() {
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
    lock.lock();
    try {
      if (closed) {
        return;
      }
      gen = ++generation;
      from = lastRevision + 1;
    } finally {
      lock.unlock();
    }
    WatchOption option = WatchOption.builder()
        .withRange(keys.prefixEnd())
        .withRevision(from)
        .withRequireLeader(true)
        .withCreateNotify(true)
        .build();
    Watch.Listener l = new Watch.Listener() {
      @Override
      public void onNext(WatchResponse response) {
        onResponse(gen, response);
      }

      @Override
      public void onError(Throwable error) {
        onFailure(gen, error);
      }

      @Override
      public void onCompleted() {
        onFailure(gen, null);
      }
    };
    Watch.Watcher w;
    try {
      w = watchClient.watch(keys.prefixBytes(), option, l);
    } catch (RuntimeException e) {
      onFailure(gen, e);
      return;
    }
    boolean stale;
    lock.lock();
    try {
      stale = closed || gen != generation;
      if (!stale) {
        watcher = w;
      }
    } finally {
      lock.unlock();
    }
    if (stale) {
      w.close();
    }
  }

  private void onResponse(long gen, WatchResponse response) {
    // Every PUT with its own mod revision, in the response's (revision) order; listeners that only
    // implement onChanges get them collapsed to the last version per order.
    List<StoredRecord> events = new ArrayList<>();
    long maxRevision = 0;
    for (WatchEvent event : response.getEvents()) {
      KeyValue kvp = event.getKeyValue();
      maxRevision = Math.max(maxRevision, kvp.getModRevision());
      if (event.getEventType() != WatchEvent.EventType.PUT) {
        continue;
      }
      decode(kvp).ifPresent(r -> events.add(new StoredRecord(r, kvp.getModRevision())));
    }
    lock.lock();
    try {
      if (closed || gen != generation) {
        return;
      }
      failures = 0;
      if (maxRevision <= lastRevision) {
        return; // created notification, or nothing new
      }
      lastRevision = maxRevision;
      if (!events.isEmpty()) {
        List<StoredRecord> delivered = List.copyOf(events);
        long revision = maxRevision;
        delivery.execute(() -> listener.onEvents(delivered, revision));
      }
    } finally {
      lock.unlock();
    }
  }

  /** An error or the end of the stream: close this watcher and decide how to go on. */
  private void onFailure(long gen, @Nullable Throwable error) {
    Watch.Watcher w;
    long delay;
    lock.lock();
    try {
      if (closed || gen != generation) {
        return;
      }
      generation++; // everything this watcher still says is ignored from now on
      w = watcher;
      watcher = null;
      delay = backoff();
    } finally {
      lock.unlock();
    }
    if (w != null) {
      try {
        w.close();
      } catch (RuntimeException e) {
        LOG.debug("closing a failed watcher", e);
      }
    }
    if (error != null && EtcdErrors.classify(error, false).kind() == EtcdErrors.Kind.COMPACTED) {
      // Re-read at the compaction revision, the oldest one etcd still has, so that the watch from
      // there on delivers every later version; at the current revision if it is not known.
      long at = EtcdErrors.unwrap(error) instanceof CompactedException c ? Math.max(0, c.getCompactedRevision()) : 0;
      LOG.info("watch on {} after revision {} hit a compaction; re-reading everything at revision {}", keys.prefix(),
          lastRevision(), at == 0 ? "now" : at);
      schedule(() -> reread(at), 0);
    } else {
      LOG.info("watch on {} ended ({}); resuming after revision {} in {} ms", keys.prefix(),
          error == null ? "stream completed" : EtcdErrors.unwrap(error).getMessage(), lastRevision(), delay);
      schedule(this::open, delay);
    }
  }

  /**
   * Re-reads the whole prefix at one revision ({@code at}, or the current one if 0), delivers it, and
   * watches from there. If the read fails because {@code at} was compacted meanwhile, the feed opens
   * the watch again from its last revision, whose compaction error names the new revision.
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
    readPage(keys.prefixBytes(), at).whenComplete((revision, error) -> {
      if (error != null) {
        long delay;
        lock.lock();
        try {
          delay = backoff();
        } finally {
          lock.unlock();
        }
        boolean compacted = at > 0 && EtcdErrors.classify(error, false).kind() == EtcdErrors.Kind.COMPACTED;
        LOG.info("re-read of {} failed ({}); {} in {} ms", keys.prefix(), EtcdErrors.unwrap(error).getMessage(),
            compacted ? "watching again to learn the new compaction revision" : "trying again", delay);
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
  private CompletableFuture<Long> readPage(ByteSequence from, long revision) {
    GetOption.Builder option = GetOption.builder().withRange(keys.prefixEnd()).withLimit(PAGE);
    if (revision > 0) {
      option.withRevision(revision);
    }
    CompletableFuture<GetResponse> page;
    try {
      page = kv.get(from, option.build()).orTimeout(requestTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return page.thenCompose(response -> {
      long at = revision > 0 ? revision : response.getHeader().getRevision();
      List<StoredRecord> records = new ArrayList<>();
      for (KeyValue kvp : response.getKvs()) {
        decode(kvp).ifPresent(r -> records.add(new StoredRecord(r, kvp.getModRevision())));
      }
      boolean more = response.isMore() && !response.getKvs().isEmpty();
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
        ByteSequence next = EtcdKeys.successor(response.getKvs().get(response.getKvs().size() - 1).getKey());
        return readPage(next, at);
      }
      return CompletableFuture.completedFuture(at);
    });
  }

  private Optional<OrderRecord> decode(KeyValue kvp) {
    Optional<OrderId> id = keys.orderIdOf(kvp.getKey());
    if (id.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(RecordCodec.decode(kvp.getValue().getBytes(), "etcd key " + keys.keyString(id.get())));
    } catch (CorruptDataException e) {
      LOG.warn("change feed skips a value it cannot decode: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /** Call with the lock held. */
  private long backoff() {
    long delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS << Math.min(failures, 5));
    failures++;
    return delay;
  }

  private void schedule(Runnable task, long delayMillis) {
    try {
      context.scheduler().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.warn("scheduler rejected the change feed's restart; the feed on {} stops", keys.prefix());
    }
  }

  @Override
  public void close() {
    Watch.Watcher w;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      generation++;
      w = watcher;
      watcher = null;
    } finally {
      lock.unlock();
    }
    if (w != null) {
      try {
        w.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the watcher", e);
      }
    }
    onClose.accept(this);
  }
}
