package org.hybridstore.chaos.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.hybridstore.codec.RecordCodec;

/**
 * The raw jetcd side of the pairs, and etcd's side of the convergence checks. One client with the
 * settings the store's own clients use where they matter for a fair comparison (cp-backend's {@code
 * EtcdClients}): a gRPC deadline on every unary call, wait-for-ready off, no idle pings, a large
 * inbound message limit. Thread-safe.
 */
final class RawEtcd implements AutoCloseable {
  /** Records per page of a digest read (about 3 MB of typical orders at most). */
  static final int DIGEST_PAGE = 1000;

  /** How often {@link #firstWriteAfter} sends a new put while none has succeeded. */
  static final Duration PROBE_INTERVAL = Duration.ofMillis(20);

  private final Client client;
  private final KV kv;
  private final Duration deadline;
  private long compactedTo;

  RawEtcd(List<URI> endpoints, Duration deadline) {
    this.deadline = deadline;
    this.client =
        Client.builder()
            .endpoints(endpoints)
            .interceptor(new DeadlineInterceptor(deadline))
            .waitForReady(false)
            .keepaliveWithoutCalls(false)
            .connectTimeout(Duration.ofSeconds(1))
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
    this.kv = client.getKVClient();
  }

  /**
   * Returns {@code size} bytes of filler: the payload the raw sides write.
   *
   * @param size bytes
   * @return the value
   */
  static ByteSequence filler(int size) {
    byte[] value = new byte[size];
    Arrays.fill(value, (byte) 'x');
    return ByteSequence.from(value);
  }

  /**
   * Returns an operation for {@link ClosedLoop}: worker {@code i} puts {@code value} under its own
   * key.
   *
   * @param prefix the keys' prefix
   * @param value the payload
   * @return the operation; completes with {@code true}
   */
  IntFunction<CompletableFuture<Boolean>> puts(String prefix, ByteSequence value) {
    return w -> kv.put(bytes(prefix + w), value, PutOption.DEFAULT).thenApply(r -> true);
  }

  /**
   * Returns an operation for {@link ClosedLoop}: worker {@code i} writes {@code value} to its own
   * key with a single-key compare-and-swap transaction, {@code If(mod_revision == last seen)
   * Then(put) Else(get)} (first {@code version == 0}), as cp-backend's {@code CasBenchmark} does.
   *
   * @param prefix the keys' prefix
   * @param value the payload
   * @param workers the most workers that will use it
   * @return the operation; completes with {@code true} when the compare held
   */
  IntFunction<CompletableFuture<Boolean>> compareAndSwaps(
      String prefix, ByteSequence value, int workers) {
    // one slot per worker, written only from that worker's completion chain
    long[] lastRevision = new long[workers];
    return w -> {
      ByteSequence key = bytes(prefix + w);
      Cmp cmp =
          lastRevision[w] == 0
              ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
              : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(lastRevision[w]));
      CompletableFuture<TxnResponse> f =
          kv.txn()
              .If(cmp)
              .Then(Op.put(key, value, PutOption.DEFAULT))
              .Else(Op.get(key, GetOption.DEFAULT))
              .commit();
      return f.thenApply(
          r -> {
            if (r.isSucceeded()) {
              lastRevision[w] = r.getHeader().getRevision();
              return true;
            }
            List<KeyValue> kvs = r.getGetResponses().get(0).getKvs();
            lastRevision[w] = kvs.isEmpty() ? 0 : kvs.get(0).getModRevision();
            return false;
          });
    };
  }

  /**
   * Reads one key.
   *
   * @param key the key
   * @return its value
   * @throws BenchmarkException if the read fails or the key is absent
   */
  byte[] get(String key) {
    GetResponse r = await(kv.get(bytes(key)), "read " + key);
    if (r.getKvs().isEmpty()) {
      throw new BenchmarkException("etcd has no key " + key);
    }
    return r.getKvs().get(0).getValue().getBytes();
  }

  /**
   * Compacts etcd's history up to its current revision, without waiting for the physical
   * compaction. Every measured write is a new revision of a value of about 3 KB, and nothing else
   * compacts the bench's cluster: at a few thousand writes per second a full run filled etcd's 2
   * GiB space quota and the raw puts failed with "database space exceeded". Once compacted, etcd
   * reuses the freed pages, so the data file grows by at most one round's writes.
   *
   * <p>Does nothing when nothing was written since the last compaction (a round of journal writes
   * only): etcd refuses to compact to a revision it already compacted.
   *
   * @throws BenchmarkException if etcd refuses or does not answer
   */
  synchronized void compact() {
    long revision =
        await(kv.get(bytes("\0"), GetOption.builder().withCountOnly(true).build()), "revision")
            .getHeader()
            .getRevision();
    if (revision > compactedTo) {
      await(kv.compact(revision), "compact to revision " + revision);
      compactedTo = revision;
    }
  }

  /**
   * Counts the keys under a prefix (a count-only range read, cheap).
   *
   * @param prefix the prefix
   * @return the count
   * @throws BenchmarkException if the read fails
   */
  long count(String prefix) {
    ByteSequence p = bytes(prefix);
    return await(
            kv.get(p, GetOption.builder().isPrefix(true).withCountOnly(true).build()),
            "count " + prefix)
        .getCount();
  }

  /**
   * etcd's digest of a prefix, and when its snapshot was taken.
   *
   * @param value {@code <count>:<xor>}, as {@code HybridOrderStore.replicaDigest()} prints it
   * @param snapshotNanos {@link System#nanoTime()} when the first page arrived: the read's revision
   *     was fixed at or before it
   */
  record Digest(String value, long snapshotNanos) {}

  /**
   * Computes etcd's digest of the order records under a prefix in the form of {@code
   * HybridOrderStore.replicaDigest()}: {@code <count>:<xor>} of the first eight bytes of the
   * SHA-256 of every record's {@link RecordCodec} encoding. The values are hashed as etcd holds
   * them: the stores write {@code RecordCodec.encode} of the record, which is deterministic, and a
   * fresh cluster holds no record of an older schema, so decoding and re-encoding each record (as
   * the chaos runner does for etcdctl's output) would only add seconds of CPU to a 10,000-record
   * check; with {@code canonical} it is done anyway. Reads page by page at one revision, so the
   * pages form one snapshot.
   *
   * @param prefix the stores' key prefix
   * @param canonical whether to decode and re-encode every record before hashing it
   * @return the digest
   * @throws BenchmarkException if a read fails
   */
  Digest digest(String prefix, boolean canonical) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    ByteSequence end = rangeEnd(prefix);
    ByteSequence from = bytes(prefix);
    long revision = 0;
    long snapshot = 0;
    long count = 0;
    long xor = 0;
    while (true) {
      GetOption.Builder o = GetOption.builder().withRange(end).withLimit(DIGEST_PAGE);
      if (revision != 0) {
        o.withRevision(revision);
      }
      GetResponse page = await(kv.get(from, o.build()), "range read of " + prefix);
      if (revision == 0) {
        revision = page.getHeader().getRevision();
        snapshot = System.nanoTime();
      }
      for (KeyValue e : page.getKvs()) {
        byte[] encoded = e.getValue().getBytes();
        if (canonical) {
          encoded =
              RecordCodec.encode(
                  RecordCodec.decode(encoded, e.getKey().toString(StandardCharsets.UTF_8)));
        }
        sha.reset();
        xor ^= ByteBuffer.wrap(sha.digest(encoded)).getLong();
        count++;
      }
      if (!page.isMore() || page.getKvs().isEmpty()) {
        return new Digest(count + ":" + Long.toHexString(xor), snapshot);
      }
      byte[] last = page.getKvs().get(page.getKvs().size() - 1).getKey().getBytes();
      from =
          ByteSequence.from(
              Arrays.copyOf(last, last.length + 1)); // the next key after the last one
    }
  }

  /**
   * Puts until one put succeeds: how long etcd takes to take writes again after a restart. Each put
   * has the client's deadline; without a leader it waits on the surviving member until one is
   * elected, so the success comes right after the election. A put can also wait out its whole
   * deadline (sent to a member that never answers it), so a new one is sent every {@link
   * #PROBE_INTERVAL} while none has succeeded, the earlier ones still in flight: the first success,
   * whichever put it was, is the figure. One put at a time made the figure read up to the 2 s
   * deadline late (once: 2,027 ms while the stores were STRONG after 852 ms), which loosened every
   * target measured from it.
   *
   * @param key the key to write
   * @param since the instant ({@link System#nanoTime()}) to measure from
   * @param bound how long to keep trying
   * @return milliseconds from {@code since} to the first successful put
   * @throws BenchmarkException if no put succeeded within the bound
   */
  long firstWriteAfter(String key, long since, Duration bound) {
    long until = since + bound.toNanos();
    ByteSequence k = bytes(key);
    ByteSequence v = bytes("recovered");
    CompletableFuture<Long> firstSuccess = new CompletableFuture<>();
    AtomicReference<String> last = new AtomicReference<>("none tried");
    List<CompletableFuture<?>> sent = new ArrayList<>();
    try {
      while (System.nanoTime() < until) {
        sent.add(
            kv.put(k, v)
                .whenComplete(
                    (r, e) -> {
                      if (e == null) {
                        firstSuccess.complete(System.nanoTime());
                      } else {
                        last.set((e.getCause() != null ? e.getCause() : e).toString());
                      }
                    }));
        try {
          long at = firstSuccess.get(PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
          return TimeUnit.NANOSECONDS.toMillis(at - since);
        } catch (TimeoutException e) {
          // none yet: send another, the earlier ones stay in flight until their deadline
        } catch (ExecutionException e) {
          throw new IllegalStateException("completed only with a time", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchmarkException("interrupted while waiting for etcd to take writes", e);
        }
      }
    } finally {
      sent.forEach(f -> f.cancel(false));
    }
    throw new BenchmarkException(
        "etcd took no write within "
            + bound.toSeconds()
            + " s of the restart; last error: "
            + last.get());
  }

  private <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new BenchmarkException("etcd: " + what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new BenchmarkException(
          "etcd: " + what + " did not answer within " + deadline.plusSeconds(1), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchmarkException("interrupted during " + what, e);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** The end of a prefix range: the prefix with its last byte incremented. */
  private static ByteSequence rangeEnd(String prefix) {
    byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
    end[end.length - 1]++; // prefixes end in '/', so no overflow
    return ByteSequence.from(end);
  }

  @Override
  public void close() {
    client.close();
  }

  /** Gives every unary call a deadline (cp-backend's EtcdClients does the same for the store). */
  private static final class DeadlineInterceptor implements ClientInterceptor {
    private final long nanos;

    DeadlineInterceptor(Duration deadline) {
      this.nanos = deadline.toNanos();
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      CallOptions o = options.withoutWaitForReady();
      if (method.getType() == MethodDescriptor.MethodType.UNARY) {
        o = o.withDeadline(Deadline.after(nanos, TimeUnit.NANOSECONDS));
      }
      return next.newCall(method, o);
    }
  }
}
