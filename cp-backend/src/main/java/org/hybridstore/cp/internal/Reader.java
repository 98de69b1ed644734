package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.hybridstore.OrderId;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.RevisionCompactedException;
import org.hybridstore.spi.StoredRecord;
import org.jspecify.annotations.Nullable;

/**
 * Reads records: one key linearizable (through the {@code hasleader} stub, leader first) or
 * serializable (any member, possibly stale); many keys as read-only transactions of up to {@code
 * maxTxnOps} ranges, several in flight; pages of the prefix for the change feed; one key with its
 * mod revision, now or at a past revision, for {@code readRevision}. Every record read goes into
 * the revision cache, except those of {@code readRevision}. Failures are {@code
 * StoreUnavailableException}; a stored value that is not a record is a {@code CorruptDataException}
 * naming the key. Thread-safe.
 */
final class Reader {
  /**
   * The most bytes of this backend's own writes kept for the change feed: under load the feed
   * trails the writes by tens of milliseconds, a few hundred typical records.
   */
  static final long OWN_WRITES_BYTES = 8L << 20;

  private final Router router;
  private final EtcdKeys keys;
  private final RevisionCache cache;
  private final OwnWrites ownWrites = new OwnWrites(OWN_WRITES_BYTES);
  private final long timeoutNanos;
  private final LongSupplier nanoTime;

  Reader(
      Router router,
      EtcdKeys keys,
      RevisionCache cache,
      Duration requestTimeout,
      LongSupplier nanoTime) {
    this.router = router;
    this.keys = keys;
    this.cache = cache;
    this.timeoutNanos = requestTimeout.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Reads one record, linearizable or serializable. */
  CompletableFuture<Snapshot> snapshot(OrderId id, boolean linearizable) {
    ByteString key = keys.key(id);
    String keyText = keys.keyString(id);
    RangeRequest request = Txns.range(key, !linearizable);
    return router
        .<RangeResponse>call(
            "read of " + keyText,
            linearizable ? Router.Kind.LINEARIZABLE : Router.Kind.SERIALIZABLE,
            nanoTime.getAsLong() + timeoutNanos,
            (m, d, out) -> (linearizable ? m.kv : m.relaxedKv).withDeadline(d).range(request, out))
        .thenApply(r -> decode(Txns.first(r), keyText, linearizable));
  }

  /**
   * Reads one key with its mod revision, linearizably (through the {@code hasleader} stub, leader
   * first, like {@link #snapshot}): as of now ({@code atRevision = 0}) or as of a past revision
   * (the range request's {@code revision}). Not cached: a past version is no snapshot for a write.
   * A compacted revision fails with {@link RevisionCompactedException} (etcd refuses it; no other
   * member is asked), any other failure with {@code StoreUnavailableException}.
   *
   * @param id the order
   * @param atRevision 0 for now, or a past revision (not negative)
   * @return the version current at that revision, or empty if the key did not exist then
   */
  CompletableFuture<Optional<StoredRecord>> revision(OrderId id, long atRevision) {
    ByteString key = keys.key(id);
    String keyText = keys.keyString(id);
    String what = "read of " + keyText + (atRevision == 0 ? "" : " at revision " + atRevision);
    RangeRequest request = RangeRequest.newBuilder().setKey(key).setRevision(atRevision).build();
    return router
        .<RangeResponse>call(
            what,
            Router.Kind.LINEARIZABLE,
            nanoTime.getAsLong() + timeoutNanos,
            (m, d, out) -> m.kv.withDeadline(d).range(request, out))
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable failure = EtcdErrors.unwrap(error);
                if (EtcdErrors.classify(failure, false).kind() == EtcdErrors.Kind.COMPACTED) {
                  throw new RevisionCompactedException(
                      what + ": etcd compacted that revision",
                      failure.getCause() != null ? failure.getCause() : failure);
                }
                throw EtcdErrors.forRead(failure, keyText);
              }
              KeyValue kv = Txns.first(response);
              if (kv == null) {
                return Optional.<StoredRecord>empty();
              }
              return Optional.of(
                  new StoredRecord(
                      RecordCodec.decode(kv.getValue().toByteArray(), "etcd key " + keyText),
                      kv.getModRevision()));
            });
  }

  /**
   * Decodes a key-value the change feed delivered, or hands on the record this backend wrote or
   * read there: the feed brings every write of this backend back, and a 3 KB record costs more to
   * decode than to look up. Its own writes are found by their bytes ({@link OwnWrites}), records it
   * read by the revision cache (the same version: mod revision, size and hash).
   *
   * @param kv the key-value
   * @param keyText the key, for messages
   * @return the record
   * @throws org.hybridstore.CorruptDataException if it must be decoded and cannot be
   */
  OrderRecord feedRecord(KeyValue kv, String keyText) {
    OrderRecord own = ownWrites.delivered(keyText, kv.getValue());
    if (own != null) {
      return own;
    }
    RevisionCache.Entry cached = cache.get(keyText);
    if (cached != null && cached.isVersion(kv)) {
      return cached.record();
    }
    return RecordCodec.decode(kv.getValue().toByteArray(), "etcd key " + keyText);
  }

  /**
   * Notes a value about to be written to a key and the record it encodes, for {@link #feedRecord}.
   */
  void sending(String keyText, ByteString value, OrderRecord record) {
    ownWrites.sending(keyText, value, record);
  }

  /** Notes that a value sent for a key surely was not committed (its compare failed). */
  void notCommitted(String keyText, ByteString value) {
    ownWrites.notCommitted(keyText, value);
  }

  /**
   * Turns a stored key-value into a snapshot and remembers it in the cache.
   *
   * @param kv the key-value, or null if the key is absent
   * @param keyText the key, for messages
   * @param authoritative whether it came from a linearizable read or a transaction
   * @return the snapshot
   */
  Snapshot decode(@Nullable KeyValue kv, String keyText, boolean authoritative) {
    if (kv == null) {
      return new Snapshot(null, 0, authoritative);
    }
    OrderRecord record = RecordCodec.decode(kv.getValue().toByteArray(), "etcd key " + keyText);
    cache.put(keyText, record, kv.getModRevision(), kv.getValue());
    return new Snapshot(record, kv.getModRevision(), authoritative);
  }

  /**
   * Reads many records linearizably: read-only transactions of at most {@code perTxn} keys, at most
   * {@code inFlight} at a time, each with its own deadline from when it is sent.
   *
   * @param ids the orders
   * @param perTxn keys per transaction (etcd's {@code --max-txn-ops})
   * @param inFlight transactions in flight
   * @return each order's snapshot
   */
  CompletableFuture<Map<OrderId, Snapshot>> many(List<OrderId> ids, int perTxn, int inFlight) {
    List<List<OrderId>> batches = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += perTxn) {
      batches.add(ids.subList(i, Math.min(ids.size(), i + perTxn)));
    }
    return new Window(batches, inFlight).start();
  }

  /**
   * Reads the batches with at most {@code inFlight} in flight: each finished one starts the next.
   */
  private final class Window {
    private final List<List<OrderId>> batches;
    private final int inFlight;
    private final Map<OrderId, Snapshot> out = new ConcurrentHashMap<>();
    private final CompletableFuture<Map<OrderId, Snapshot>> done = new CompletableFuture<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger open;

    Window(List<List<OrderId>> batches, int inFlight) {
      this.batches = batches;
      this.inFlight = inFlight;
      this.open = new AtomicInteger(batches.size());
    }

    CompletableFuture<Map<OrderId, Snapshot>> start() {
      if (batches.isEmpty()) {
        done.complete(out);
      }
      for (int w = 0; w < Math.min(inFlight, batches.size()); w++) {
        pump();
      }
      return done;
    }

    private void pump() {
      int b = next.getAndIncrement();
      if (b >= batches.size() || done.isDone()) {
        return;
      }
      readBatch(batches.get(b), out)
          .whenComplete(
              (v, e) -> {
                if (e != null) {
                  done.completeExceptionally(e);
                } else if (open.decrementAndGet() == 0) {
                  done.complete(out);
                } else {
                  pump();
                }
              });
    }
  }

  private CompletableFuture<Void> readBatch(List<OrderId> batch, Map<OrderId, Snapshot> out) {
    List<ByteString> ks = new ArrayList<>();
    for (OrderId id : batch) {
      ks.add(keys.key(id));
    }
    String what = "read of " + batch.size() + " keys from " + keys.keyString(batch.get(0));
    var request = Txns.reads(ks);
    return router
        .<TxnResponse>call(
            what,
            Router.Kind.LINEARIZABLE,
            nanoTime.getAsLong() + timeoutNanos,
            (m, d, answer) -> m.kv.withDeadline(d).txn(request, answer))
        .thenAccept(
            (TxnResponse response) -> {
              List<ResponseOp> gotten = response.getResponsesList();
              for (int i = 0; i < batch.size(); i++) {
                OrderId id = batch.get(i);
                out.put(
                    id,
                    decode(Txns.first(gotten.get(i).getResponseRange()), keys.keyString(id), true));
              }
            });
  }

  /**
   * Reads one page of the prefix, linearizably.
   *
   * @param from the first key
   * @param revision the revision to read at (0 for the current one)
   * @param limit the most keys
   * @return the page
   */
  CompletableFuture<RangeResponse> page(ByteString from, long revision, int limit) {
    RangeRequest request =
        RangeRequest.newBuilder()
            .setKey(from)
            .setRangeEnd(keys.prefixEnd())
            .setLimit(limit)
            .setRevision(revision)
            .build();
    return router.<RangeResponse>call(
        "read of " + keys.prefix() + " from " + from.toStringUtf8(),
        Router.Kind.LINEARIZABLE,
        nanoTime.getAsLong() + timeoutNanos,
        (m, d, out) -> m.kv.withDeadline(d).range(request, out));
  }
}
