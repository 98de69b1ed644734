package org.hybridstore.example;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.ChangeFeedOptions;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OrderChange;
import org.hybridstore.OrderStoreException;
import org.hybridstore.switchover.HybridOrderStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /changes?from=REV[&provisional=true][&buffer=N]}: the order change feed as server-sent
 * events ({@code text/event-stream}). Each change is one event:
 *
 * <pre>
 *   id: &lt;resumeRevision&gt;
 *   event: committed | resync | provisional
 *   data: {"kind","orderId","revision","resumeRevision","opKeys":["&lt;16 hex&gt;",...],"order":{...}}
 * </pre>
 *
 * A client that reconnects sends {@code Last-Event-ID} (or {@code from}) with the last {@code id}
 * it processed and misses nothing. A comment line ({@code : keep-alive}) goes out every 15 s
 * without changes. If the store closes, a last event {@code event: error} names the error and the
 * stream ends.
 *
 * <p>Bounded: at most {@value #MAX_STREAMS} streams at once (503 beyond); each stream holds at most
 * {@value #WINDOW} changes between the feed and the socket and requests more only as it writes, so
 * the feed's own buffer (default {@value #DEFAULT_BUFFER}, {@code buffer=} 16 to 4096) and etcd's
 * backpressure do the rest; a client that does not read for {@value #STALL_SECONDS} s while a write
 * to it is pending is dropped (its connection closed), not buffered for. A stream lasts at most its
 * time budget (half of {@code --http-timeout-ms}: the JDK server closes every answer that takes
 * longer than that timeout, and measures it coarsely) and then ends normally, after a comment line;
 * the client reconnects with {@code Last-Event-ID} and misses nothing.
 */
final class ChangeStream {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeStream.class);
  static final int MAX_STREAMS = 8;
  static final int WINDOW = 64;
  static final int DEFAULT_BUFFER = 256;
  static final long STALL_SECONDS = 10;
  static final long KEEPALIVE_SECONDS = 15;

  private final HybridOrderStore store;
  private final long budgetNanos;
  private final AtomicInteger open = new AtomicInteger();
  // a daemon thread for the life of the process, like the HTTP server's own
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "order-service-sse-watchdog");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param store the node's store
   * @param budget how long one stream may last before it ends (the client then reconnects)
   */
  ChangeStream(HybridOrderStore store, java.time.Duration budget) {
    this.store = store;
    this.budgetNanos = budget.toNanos();
  }

  /** The parameters of one stream, validated before anything is subscribed. */
  private record Request(long from, boolean provisional, int buffer) {}

  /**
   * Serves one stream on the calling (HTTP) thread until the client goes away or the store closes.
   *
   * @param ex the exchange
   * @throws IOException if the answer cannot be written
   */
  void handle(HttpExchange ex) throws IOException {
    if (!ex.getRequestMethod().equalsIgnoreCase("GET")) {
      refuse(ex, 405, Json.error("method-not-allowed", true, "use GET").toString());
      return;
    }
    Request req;
    try {
      req = parse(ex);
    } catch (InvalidInputException e) {
      refuse(ex, 400, Json.error("invalid", true, e.getMessage()).toString());
      return;
    }
    if (open.incrementAndGet() > MAX_STREAMS) {
      open.decrementAndGet();
      refuse(
          ex,
          503,
          Json.error("unavailable", true, "at most " + MAX_STREAMS + " change streams at once")
              .toString());
      return;
    }
    try {
      stream(ex, req);
    } finally {
      open.decrementAndGet();
      ex.close();
    }
  }

  private static Request parse(HttpExchange ex) {
    URI uri = ex.getRequestURI();
    String from = HttpQuery.get(uri, "from");
    if (from == null) {
      from = ex.getRequestHeaders().getFirst("Last-Event-ID");
    }
    long f = from == null ? 0 : longValue("from", from);
    if (f < 0) {
      throw new InvalidInputException("from", "must not be negative, was " + f);
    }
    String p = HttpQuery.get(uri, "provisional");
    if (p != null && !p.equals("true") && !p.equals("false")) {
      throw new InvalidInputException("provisional", "must be true or false, was '" + p + "'");
    }
    String b = HttpQuery.get(uri, "buffer");
    long buffer = b == null ? DEFAULT_BUFFER : longValue("buffer", b);
    if (buffer < 16 || buffer > 4096) {
      throw new InvalidInputException("buffer", "must be 16 to 4096, was " + buffer);
    }
    return new Request(f, "true".equals(p), (int) buffer);
  }

  private static long longValue(String field, String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException(field, "must be an integer, was '" + v + "'");
    }
  }

  private void stream(HttpExchange ex, Request req) throws IOException {
    Subscriber subscriber = new Subscriber();
    store
        .changes(
            req.from(),
            ChangeFeedOptions.DEFAULT
                .withProvisional(req.provisional())
                .withBufferSize(req.buffer()))
        .subscribe(subscriber);
    ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    long endAt = System.nanoTime() + budgetNanos;
    try (OutputStream out = ex.getResponseBody()) {
      while (true) {
        long left = endAt - System.nanoTime();
        if (left <= 0) {
          // within the server's answer time limit; the client resumes from the last id it has
          write(ex, out, ": stream time is up; reconnect with Last-Event-ID\n\n");
          return;
        }
        Object next;
        try {
          next =
              subscriber.queue.poll(
                  Math.min(left, TimeUnit.SECONDS.toNanos(KEEPALIVE_SECONDS)),
                  TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (next == null) {
          if (endAt - System.nanoTime() <= 0) {
            continue; // time is up, not idle
          }
          write(ex, out, ": keep-alive\n\n");
        } else if (next instanceof OrderChange c) {
          write(
              ex,
              out,
              "id: "
                  + c.resumeRevision()
                  + "\nevent: "
                  + c.kind().name().toLowerCase(java.util.Locale.ROOT)
                  + "\ndata: "
                  + Json.change(c)
                  + "\n\n");
          subscriber.written();
        } else {
          Throwable t = (Throwable) next;
          String kind =
              t instanceof OrderStoreException ? t.getClass().getSimpleName() : "internal";
          write(
              ex,
              out,
              "event: error\ndata: "
                  + Json.error(kind, true, String.valueOf(t.getMessage()))
                  + "\n\n");
          return;
        }
      }
    } catch (IOException e) {
      LOG.debug("change stream to {} ended: {}", ex.getRemoteAddress(), e.toString());
    } finally {
      subscriber.cancel();
    }
  }

  /**
   * Writes and flushes; a write that does not finish within the stall limit closes the connection.
   */
  private void write(HttpExchange ex, OutputStream out, String text) throws IOException {
    ScheduledFuture<?> stall =
        watchdog.schedule(
            () -> {
              LOG.info(
                  "dropping change stream to {}: it did not read for {} s",
                  ex.getRemoteAddress(),
                  STALL_SECONDS);
              ex.close();
            },
            STALL_SECONDS,
            TimeUnit.SECONDS);
    try {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } finally {
      stall.cancel(false);
    }
  }

  /** Hands the feed's signals to the HTTP thread through a queue as large as what it requested. */
  private static final class Subscriber implements Flow.Subscriber<OrderChange> {
    // changes and at most one terminal error: WINDOW requested, plus one
    final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(WINDOW + 1);
    private volatile Flow.@Nullable Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(WINDOW);
    }

    @Override
    public void onNext(OrderChange item) {
      queue.offer(item); // never full: at most WINDOW are requested and not yet taken
    }

    @Override
    public void onError(Throwable t) {
      queue.offer(t);
    }

    @Override
    public void onComplete() {
      queue.offer(new IllegalStateException("the change feed completed"));
    }

    void written() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.request(1);
      }
    }

    void cancel() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  private static void refuse(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
