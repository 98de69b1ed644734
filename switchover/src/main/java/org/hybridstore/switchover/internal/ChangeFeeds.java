package org.hybridstore.switchover.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.ChangeFeedOptions;
import org.hybridstore.OrderChange;
import org.hybridstore.OrderId;
import org.hybridstore.StoreClosedException;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order change feed behind {@code OrderStore.changes}: every subscription opens its own etcd
 * watch ({@link StrongBackend#watch} with a per-version listener) and has its own bounded buffer.
 *
 * <p>Backpressure: changes wait in the buffer until the subscriber requests them. When the buffer
 * is full the subscription closes its etcd watch and remembers the last revision it buffered whole
 * ({@code last}); when the subscriber has taken it down to half, it opens a new watch from {@code
 * last}. The versions of one etcd revision (one transaction) are buffered whole or not at all, so
 * resuming from {@code last} neither skips nor repeats one. Memory per subscription: the buffer
 * plus one transaction.
 *
 * <p>Re-reads: if etcd compacted {@code last} (or {@code last} is 0), the watch re-reads every
 * order at one revision R and delivers it in pages in key order. A version is delivered (as RESYNC)
 * only if the subscriber has not got it: its mod revision is above what the subscriber knows of
 * that key. What it knows is a step function over keys kept in {@code resynced} (upper key of a
 * range to the revision of the re-read that covered it; above the last range, {@code last}): a
 * re-read interrupted by a full buffer (or failing half way) starts again from the first key at the
 * same or a later revision, and the keys the first pass covered are then known up to its revision.
 * When a re-read's last page is through, every key is known up to R: {@code last = R}, and live
 * changes follow.
 *
 * <p>Provisional changes (if subscribed with that option) come from the local backend's writer
 * thread; they are coalesced per order while waiting and dropped when the buffer is full (each such
 * write reaches the feed again as a committed change).
 *
 * <p>Signals follow Reactive Streams: {@code onSubscribe} first, {@code onNext} only on demand and
 * never concurrently (a work-in-progress counter serializes the drain loop, which runs on the
 * store's executor), {@code onError} with {@code IllegalArgumentException} on a non-positive
 * request and with {@link StoreClosedException} when the store closes.
 */
final class ChangeFeeds implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeeds.class);

  private final String store;
  private final StrongBackend strong;
  private final Executor executor;
  private final Set<FeedSubscription> live = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  ChangeFeeds(String store, StrongBackend strong, Executor executor) {
    this.store = store;
    this.strong = strong;
    this.executor = executor;
  }

  /**
   * Returns a publisher of the feed.
   *
   * @param fromRevision where to start (validated by the caller)
   * @param options the options
   * @return the publisher; each subscription is independent
   */
  Flow.Publisher<OrderChange> publisher(long fromRevision, ChangeFeedOptions options) {
    Objects.requireNonNull(options, "options");
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber"); // Reactive Streams rule 1.9
      FeedSubscription s = new FeedSubscription(subscriber, fromRevision, options);
      subscriber.onSubscribe(s);
      if (closed) {
        s.terminate(new StoreClosedException(store));
        return;
      }
      live.add(s);
      if (closed) { // closed in between: close() may not have seen it
        s.terminate(new StoreClosedException(store));
        return;
      }
      s.start();
    };
  }

  /** Hands provisional changes (local writes, peer records) to the subscriptions that want them. */
  void provisional(List<OrderRecord> records) {
    for (FeedSubscription s : live) {
      if (s.options.provisional()) {
        s.offerProvisional(records);
      }
    }
  }

  /** Returns how many subscriptions are open. */
  int subscriptions() {
    return live.size();
  }

  @Override
  public void close() {
    closed = true;
    for (FeedSubscription s : live) {
      s.terminate(new StoreClosedException(store));
    }
  }

  /** One slot of the buffer; a provisional one can be overwritten while it waits (coalescing). */
  private static final class Slot {
    OrderChange change;
    final boolean provisional;

    Slot(OrderChange change, boolean provisional) {
      this.change = change;
      this.provisional = provisional;
    }
  }

  final class FeedSubscription implements Flow.Subscription {
    private final Flow.Subscriber<? super OrderChange> subscriber;
    final ChangeFeedOptions options;
    private final int capacity;
    private final AtomicInteger wip = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();

    // guarded by lock
    private final ArrayDeque<Slot> buffer = new ArrayDeque<>();
    private final Map<OrderId, Slot> waitingProvisional = new HashMap<>();
    private final TreeMap<String, Long> resynced = new TreeMap<>();
    private long last;
    private long lastResume;
    private long demand;
    private long generation;
    private @Nullable AutoCloseable watch;
    private boolean paused;
    private boolean done; // cancelled, or a terminal signal decided
    private @Nullable Throwable error; // a terminal signal to deliver
    private boolean errorSent;

    FeedSubscription(
        Flow.Subscriber<? super OrderChange> subscriber,
        long fromRevision,
        ChangeFeedOptions options) {
      this.subscriber = subscriber;
      this.options = options;
      this.capacity = options.bufferSize();
      this.last = fromRevision;
      this.lastResume = fromRevision;
    }

    void start() {
      long gen;
      lock.lock();
      try {
        if (done) {
          return;
        }
        gen = ++generation;
      } finally {
        lock.unlock();
      }
      open(gen, last);
    }

    private void open(long gen, long from) {
      AutoCloseable w;
      try {
        w = strong.watch(from, new Listener(gen));
      } catch (RuntimeException e) {
        terminate(
            e instanceof org.hybridstore.OrderStoreException ? e : new StoreClosedException(store));
        return;
      }
      boolean keep;
      lock.lock();
      try {
        keep = !done && gen == generation && !paused;
        if (keep) {
          watch = w;
        }
      } finally {
        lock.unlock();
      }
      if (!keep) {
        closeQuietly(w); // paused (or ended) while it was being opened
      }
    }

    /** The listener of one watch; stale after a pause or an end (its generation is old). */
    private final class Listener implements StrongBackend.ChangeListener {
      private final long gen;

      Listener(long gen) {
        this.gen = gen;
      }

      @Override
      public void onChanges(List<OrderRecord> records, long revision) {
        // never called: onEvents and onResync are overridden
      }

      @Override
      public void onEvents(List<StoredRecord> events, long revision) {
        onLive(gen, events);
      }

      @Override
      public void onResync(List<StoredRecord> page, long revision, boolean lastPage) {
        onResyncPage(gen, page, revision, lastPage);
      }
    }

    private void onLive(long gen, List<StoredRecord> events) {
      AutoCloseable toClose = null;
      lock.lock();
      try {
        if (done || gen != generation) {
          return;
        }
        if (!resynced.isEmpty()) {
          resynced.clear(); // live changes follow only a complete re-read
        }
        int i = 0;
        while (i < events.size()) {
          long r = events.get(i).modRevision();
          int j = i;
          while (j < events.size() && events.get(j).modRevision() == r) {
            j++;
          }
          if (r > last) {
            if (buffer.size() >= capacity) {
              toClose = pause();
              break;
            }
            for (int k = i; k < j; k++) {
              StoredRecord e = events.get(k);
              long resume = k == j - 1 ? r : r - 1;
              enqueue(change(OrderChange.Kind.COMMITTED, e.record(), r, resume), false);
            }
            last = r;
          }
          i = j;
        }
        if (toClose == null && !paused && buffer.size() >= capacity) {
          toClose = pause();
        }
      } finally {
        lock.unlock();
      }
      closeQuietly(toClose);
      signal();
    }

    private void onResyncPage(long gen, List<StoredRecord> page, long revision, boolean lastPage) {
      AutoCloseable toClose = null;
      lock.lock();
      try {
        if (done || gen != generation) {
          return;
        }
        for (StoredRecord e : page) {
          String key = e.record().id().value();
          Map.Entry<String, Long> range = resynced.ceilingEntry(key);
          long known = range == null ? last : range.getValue();
          if (e.modRevision() > known) {
            if (buffer.size() >= capacity) {
              toClose = pause();
              break;
            }
            enqueue(change(OrderChange.Kind.RESYNC, e.record(), e.modRevision(), last), false);
          }
          resynced.headMap(key, true).clear();
          resynced.put(key, revision);
        }
        if (toClose == null) {
          if (lastPage) {
            last = Math.max(last, revision);
            lastResume = last;
            resynced.clear();
          } else if (buffer.size() >= capacity) {
            toClose = pause();
          }
        }
      } finally {
        lock.unlock();
      }
      closeQuietly(toClose);
      signal();
    }

    void offerProvisional(List<OrderRecord> records) {
      List<OrderChange> changes = new ArrayList<>(records.size());
      lock.lock();
      try {
        if (done) {
          return;
        }
      } finally {
        lock.unlock();
      }
      for (OrderRecord r : records) {
        changes.add(change(OrderChange.Kind.PROVISIONAL, r, 0, 0));
      }
      lock.lock();
      try {
        if (done) {
          return;
        }
        for (OrderChange c : changes) {
          OrderChange positioned =
              new OrderChange(c.kind(), c.orderId(), 0, lastResume, c.order(), c.opKeys());
          Slot waiting = waitingProvisional.get(c.orderId());
          if (waiting != null) {
            waiting.change = positioned;
          } else if (buffer.size() < capacity) {
            Slot s = new Slot(positioned, true);
            buffer.add(s);
            waitingProvisional.put(c.orderId(), s);
          }
          // else: dropped; the write reaches the feed again once committed
        }
      } finally {
        lock.unlock();
      }
      signal();
    }

    /** Call with the lock held. */
    private void enqueue(OrderChange c, boolean provisional) {
      buffer.add(new Slot(c, provisional));
      if (!provisional) {
        lastResume = c.resumeRevision();
      }
    }

    /** Call with the lock held; returns the watch to close outside the lock. */
    private @Nullable AutoCloseable pause() {
      paused = true;
      generation++;
      AutoCloseable w = watch;
      watch = null;
      return w;
    }

    private OrderChange change(OrderChange.Kind kind, OrderRecord r, long revision, long resume) {
      return new OrderChange(
          kind,
          r.id(),
          revision,
          resume,
          r.toOrder(),
          new TreeSet<>(r.appliedOps().entries().keySet()));
    }

    @Override
    public void request(long n) {
      lock.lock();
      try {
        if (done) {
          return;
        }
        if (n <= 0) {
          error =
              new IllegalArgumentException(
                  "Reactive Streams rule 3.9: request(" + n + ") must be positive");
        } else {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
      } finally {
        lock.unlock();
      }
      signal();
    }

    @Override
    public void cancel() {
      AutoCloseable w;
      lock.lock();
      try {
        done = true;
        generation++;
        buffer.clear();
        waitingProvisional.clear();
        w = watch;
        watch = null;
      } finally {
        lock.unlock();
      }
      live.remove(this);
      closeQuietly(w);
    }

    /** Ends the subscription with an error, delivered as soon as possible (without demand). */
    void terminate(Throwable t) {
      lock.lock();
      try {
        if (done || error != null) {
          return;
        }
        error = t;
      } finally {
        lock.unlock();
      }
      signal();
    }

    private void signal() {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        drain();
      }
    }

    private void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      do {
        while (true) {
          OrderChange next = null;
          Throwable fail = null;
          AutoCloseable toClose = null;
          lock.lock();
          try {
            if (error != null && !errorSent) {
              fail = error;
              errorSent = true;
              done = true;
              generation++;
              buffer.clear();
              waitingProvisional.clear();
              toClose = watch;
              watch = null;
            } else if (!done && demand > 0 && !buffer.isEmpty()) {
              Slot s = buffer.poll();
              if (s.provisional) {
                waitingProvisional.remove(s.change.orderId(), s);
              }
              next = s.change;
              demand--;
            }
          } finally {
            lock.unlock();
          }
          if (fail != null) {
            live.remove(this);
            closeQuietly(toClose);
            try {
              subscriber.onError(fail);
            } catch (RuntimeException e) {
              LOG.warn("{}: a change feed subscriber failed in onError", store, e);
            }
            break;
          }
          if (next == null) {
            break;
          }
          try {
            subscriber.onNext(next);
          } catch (RuntimeException e) {
            LOG.warn(
                "{}: a change feed subscriber failed in onNext; cancelling its subscription",
                store,
                e);
            cancel();
            break;
          }
        }
        long gen = 0;
        long from = 0;
        lock.lock();
        try {
          if (paused && !done && error == null && buffer.size() <= capacity / 2) {
            paused = false;
            gen = ++generation;
            from = last;
          }
        } finally {
          lock.unlock();
        }
        if (gen != 0) {
          open(gen, from);
        }
      } while (wip.decrementAndGet() != 0);
    }

    private void closeQuietly(@Nullable AutoCloseable w) {
      if (w == null) {
        return;
      }
      try {
        w.close();
      } catch (Exception e) {
        LOG.debug("{}: closing a change feed's watch failed", store, e);
      }
    }
  }
}
