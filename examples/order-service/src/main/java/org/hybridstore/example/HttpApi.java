package org.hybridstore.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.ConsistencyUnavailableException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.SyncOrderStore;
import org.hybridstore.Versioned;
import org.hybridstore.WriteOptions;
import org.hybridstore.codec.CommandCodec;
import org.hybridstore.switchover.HybridOrderStore;

/**
 * The service's HTTP/JSON API.
 *
 * <pre>
 *   POST /commands                      body: a command (see CommandCodec); ?strong=true demands STRONG;
 *                                       the answer names "confirmation": "/commands/{opId}", and the
 *                                       "revision" (and "firstRevision") when etcd committed it at once
 *   GET  /commands/{opId}?waitMs=N      the write's confirmation, waiting up to N ms (default 1000,
 *                                       at most 30000 and half the HTTP timeout): state confirmed /
 *                                       provisional / unknown (404), see CommandStatus
 *   GET  /changes?from=REV              the order change feed as server-sent events; &provisional=true
 *                                       adds provisional changes, &buffer=N sizes the feed's buffer;
 *                                       a stream ends after half the HTTP timeout (the client resumes
 *                                       with Last-Event-ID); see ChangeStream
 *   GET  /orders/{id}?consistency=linearizable|serializable|local
 *   GET  /mode                          the node's mode, epoch, backlog, conflicts, mirror lag,
 *                                       replica digest, journal health, and an incarnation (a
 *                                       random number per process: the epoch grows only within one)
 *   GET  /replica?after=ID&limit=N      the ids in this node's replica, in order, a page at a time;
 *                                       with &hashes=true also each record's content hash
 *   POST /admin/clock-offset?millis=N   skew this node's clock (chaos testing); only with
 *                                       --test-endpoints true, with the admin token, and within
 *                                       the clock offset limit
 *   GET  /dashboard?nodes=URL,URL,...   the JMX dashboard (HTML); nodes are Jolokia URLs, default
 *                                       this node's own agent
 *   GET  /dashboard.js                  its script
 * </pre>
 *
 * Errors are JSON {@code {"error":kind,"definite":bool,"message":...}}: 400 invalid input, 401 a
 * missing or wrong token, 404 no such order, 409 rejected command, 503 unavailable or consistency
 * unavailable (definite: nothing was applied) or overloaded (with {@code Retry-After}), 504
 * indeterminate (the write may have been applied; retry with the same op id).
 *
 * <p>Security (see docs/security.md): with an API token configured, {@code POST /commands} needs
 * {@code Authorization: Bearer <token>}; test-only endpoints exist only when enabled, and need the
 * admin token ({@code Authorization: Bearer <admin token>}); tokens are compared in constant time.
 * When the server's workers and queue are full, a request is answered 503 without being read.
 */
final class HttpApi {
  private static final int MAX_BODY = 1 << 20;

  /** Set on a worker that runs an exchange the server had no room for: the filter answers 503. */
  static final ThreadLocal<Boolean> OVERLOADED = ThreadLocal.withInitial(() -> false);

  private final HybridOrderStore store;
  private final SyncOrderStore sync;
  private final OffsetClock clock;
  private final Dashboard dashboard;
  private final ServiceConfig.HttpSettings settings;
  private final java.util.concurrent.atomic.LongAdder overloaded =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder unauthorized =
      new java.util.concurrent.atomic.LongAdder();
  private final CommandStatus commandStatus;

  /** Tells this process's answers from a restarted node's, whose epoch starts again at 1. */
  private final long incarnation = new java.security.SecureRandom().nextLong();

  private final ChangeStream changes;

  /**
   * @param store the node's store
   * @param clock the node's clock
   * @param jolokiaUrl this node's Jolokia URL, the dashboard's default node; empty if Jolokia is
   *     off
   * @param settings tokens, test endpoints and limits
   */
  HttpApi(
      HybridOrderStore store,
      OffsetClock clock,
      String jolokiaUrl,
      ServiceConfig.HttpSettings settings) {
    this.store = store;
    this.sync = store.sync();
    this.clock = clock;
    this.dashboard = new Dashboard(jolokiaUrl);
    this.settings = settings;
    // The JDK server closes an answer that takes longer than the HTTP timeout (sun.net.httpserver.
    // maxRspTime, from a coarse clock): waits and streams end within half of it.
    this.commandStatus = new CommandStatus(store, settings.timeout().dividedBy(2));
    this.changes = new ChangeStream(store, settings.timeout().dividedBy(2));
  }

  void register(HttpServer server) {
    List<HttpContext> contexts = new ArrayList<>();
    contexts.add(server.createContext("/commands", ex -> handle(ex, "POST", this::command)));
    contexts.add(server.createContext("/commands/", ex -> handle(ex, "GET", this::commandStatus)));
    contexts.add(server.createContext("/changes", changes::handle));
    contexts.add(server.createContext("/orders/", ex -> handle(ex, "GET", this::order)));
    contexts.add(
        server.createContext("/mode", ex -> handle(ex, "GET", x -> new Response(200, mode()))));
    contexts.add(server.createContext("/replica", ex -> handle(ex, "GET", this::replica)));
    if (settings.testEndpoints()) {
      // Test-only: absent (404) unless the service was started with --test-endpoints true.
      contexts.add(
          server.createContext("/admin/clock-offset", ex -> handle(ex, "POST", this::clockOffset)));
    }
    contexts.addAll(dashboard.register(server));
    Filter admission =
        new Filter() {
          @Override
          public void doFilter(HttpExchange ex, Chain chain) throws IOException {
            if (OVERLOADED.get()) {
              overloaded.increment();
              ex.getResponseHeaders().set("Retry-After", "1");
              ex.getResponseHeaders().set("Connection", "close");
              send(
                  ex,
                  new Response(
                      503, Json.error("overloaded", true, "the server is busy; retry after 1 s")));
              return;
            }
            chain.doFilter(ex);
          }

          @Override
          public String description() {
            return "503 when the server's workers and queue are full";
          }
        };
    contexts.forEach(c -> c.getFilters().add(admission));
  }

  /** Returns how many requests were answered 503 because the server was full. */
  long overloadedRequests() {
    return overloaded.sum();
  }

  private record Response(int status, JsonNode body) {}

  @FunctionalInterface
  private interface Handler {
    Response handle(HttpExchange exchange) throws IOException;
  }

  /** A missing or wrong token: answered 401, nothing is read or done. */
  private static final class Unauthorized extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unauthorized(String message) {
      super(message, null, false, false);
    }
  }

  private void handle(HttpExchange ex, String method, Handler handler) throws IOException {
    Response r;
    try {
      if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
        r = new Response(405, Json.error("method-not-allowed", true, "use " + method));
      } else {
        r = handler.handle(ex);
      }
    } catch (Unauthorized e) {
      unauthorized.increment();
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"hybridstore\"");
      r = new Response(401, Json.error("unauthorized", true, e.getMessage()));
    } catch (InvalidInputException | CorruptDataException e) {
      r = new Response(400, Json.error("invalid", true, e.getMessage()));
    } catch (CommandRejectedException e) {
      r =
          new Response(
              409, Json.error("rejected", true, e.getMessage()).put("reason", e.reason().name()));
    } catch (ConsistencyUnavailableException e) {
      r =
          new Response(
              503,
              Json.error("consistency-unavailable", true, e.getMessage())
                  .put("mode", e.mode().name()));
    } catch (StoreUnavailableException | StoreClosedException e) {
      r = new Response(503, Json.error("unavailable", true, e.getMessage()));
    } catch (IndeterminateWriteException e) {
      r = new Response(504, Json.error("indeterminate", false, e.getMessage()));
    } catch (RuntimeException e) {
      r = new Response(500, Json.error("internal", false, e.toString()));
    }
    send(ex, r);
  }

  private static void send(HttpExchange ex, Response r) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(r.body());
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(r.status(), bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * Checks {@code Authorization: Bearer <token>} in constant time; no token configured means open.
   */
  private static void requireToken(HttpExchange ex, String token, String what) {
    if (token.isEmpty()) {
      return;
    }
    String header = ex.getRequestHeaders().getFirst("Authorization");
    String given =
        header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
            ? header.substring(7).trim()
            : "";
    if (!MessageDigest.isEqual(sha256(given), sha256(token))) {
      throw new Unauthorized(what + " needs Authorization: Bearer <token>");
    }
  }

  /** Hashing first makes the comparison independent of the tokens' lengths too. */
  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private Response command(HttpExchange ex) throws IOException {
    requireToken(ex, settings.apiToken(), "a write");
    OrderCommand command = CommandCodec.decode(body(ex));
    boolean strong = "true".equals(HttpQuery.get(ex.getRequestURI(), "strong"));
    return new Response(
        200,
        Json.write(sync.apply(command, strong ? WriteOptions.STRONG_ONLY : WriteOptions.DEFAULT)));
  }

  private Response commandStatus(HttpExchange ex) {
    CommandStatus.Answer a =
        commandStatus.answer(
            ex.getRequestURI().getPath().substring("/commands/".length()),
            HttpQuery.get(ex.getRequestURI(), "waitMs"));
    return new Response(a.status(), a.body());
  }

  private Response order(HttpExchange ex) {
    String path = ex.getRequestURI().getPath();
    OrderId id = OrderId.of(path.substring("/orders/".length()));
    String c = HttpQuery.get(ex.getRequestURI(), "consistency");
    ReadConsistency consistency = c == null ? ReadConsistency.LINEARIZABLE : parseConsistency(c);
    Optional<Versioned<Order>> order = sync.get(id, consistency);
    if (order.isEmpty()) {
      return new Response(404, Json.error("not-found", true, "no order " + id));
    }
    ObjectNode n = Json.order(order.get().value());
    n.put("servedBy", order.get().servedBy().name());
    return new Response(200, n);
  }

  private ObjectNode mode() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("node", store.name());
    n.put("mode", store.mode().name());
    n.put("epoch", store.epoch());
    n.put("incarnation", incarnation);
    n.put("backlog", store.backlogSize());
    n.put("conflicts", store.conflicts().size());
    n.put("clockOffsetMillis", clock.offsetMillis());
    n.put("mirrorLag", store.mirrorLagRevisions());
    n.put("mirrorRevision", store.mirrorRevision());
    n.put("digest", store.replicaDigest());
    n.put("httpOverloaded", overloaded.sum());
    n.put("httpUnauthorized", unauthorized.sum());
    var journal = store.journalHealth();
    ObjectNode j = n.putObject("journal");
    j.put("writable", journal.writable());
    j.put("problem", journal.problem());
    j.put("damageAtStart", journal.damageAtStart());
    j.put("quarantined", journal.quarantined());
    ObjectNode jvm = n.putObject("jvm");
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    jvm.put("heapUsedBytes", heap.getUsed());
    jvm.put("heapMaxBytes", heap.getMax());
    jvm.put("heapAfterLastGcBytes", heapAfterLastGc());
    jvm.put("heapLiveBytes", heapLive());
    return n;
  }

  /**
   * Each heap pool's occupancy after its own most recent collection, summed: for the old generation
   * that is after the last full collection, so garbage promoted since does not count (0 for a pool
   * not collected yet). The closest the JVM tells to the live set; the chaos suite's {@code
   * resources} check holds it under a ceiling.
   */
  private static long heapLive() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage after = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
      if (after != null) {
        used += after.getUsed();
      }
    }
    return used;
  }

  /**
   * The heap in use right after the most recent collection (any collector), or -1 before the first.
   * After a young collection this includes the old generation's garbage, so it climbs to the old
   * generation's size between full collections: reported, not judged.
   */
  private static long heapAfterLastGc() {
    com.sun.management.GcInfo latest = null;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof com.sun.management.GarbageCollectorMXBean g) {
        com.sun.management.GcInfo info = g.getLastGcInfo();
        if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
          latest = info;
        }
      }
    }
    if (latest == null) {
      return -1;
    }
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage after =
          pool.getType() == MemoryType.HEAP
              ? latest.getMemoryUsageAfterGc().get(pool.getName())
              : null;
      if (after != null) {
        used += after.getUsed();
      }
    }
    return used;
  }

  private Response replica(HttpExchange ex) {
    String after = HttpQuery.get(ex.getRequestURI(), "after");
    String limit = HttpQuery.get(ex.getRequestURI(), "limit");
    int n;
    try {
      n = limit == null ? 1000 : Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      throw new InvalidInputException("limit", "must be an integer, was '" + limit + "'");
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    var ids = out.putArray("ids");
    if ("true".equals(HttpQuery.get(ex.getRequestURI(), "hashes"))) {
      var hashes = out.putArray("hashes");
      store
          .replicaHashes(after == null ? "" : after, n)
          .forEach(
              (id, h) -> {
                ids.add(id);
                hashes.add(Long.toHexString(h));
              });
    } else {
      store.replicaOrderIds(after == null ? "" : after, n).forEach(id -> ids.add(id.value()));
    }
    return new Response(200, out);
  }

  private Response clockOffset(HttpExchange ex) {
    requireToken(ex, settings.adminToken(), "/admin/clock-offset");
    String millis = HttpQuery.get(ex.getRequestURI(), "millis");
    if (millis == null) {
      throw new InvalidInputException("millis", "query parameter is required");
    }
    long offset;
    try {
      offset = Long.parseLong(millis);
    } catch (NumberFormatException e) {
      throw new InvalidInputException("millis", "must be an integer, was '" + millis + "'");
    }
    long limit = settings.clockOffsetLimit().toMillis();
    if (Math.abs(offset) > limit) {
      throw new InvalidInputException(
          "millis",
          "must be within +-" + limit + " ms (--test-clock-offset-limit-ms), was " + offset);
    }
    clock.setOffsetMillis(offset);
    return new Response(200, mode());
  }

  private static ReadConsistency parseConsistency(String c) {
    try {
      return ReadConsistency.valueOf(c.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          "consistency", "must be linearizable, serializable or local, was '" + c + "'");
    }
  }

  private static byte[] body(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] bytes = in.readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
        throw new InvalidInputException("body", "larger than " + MAX_BODY + " bytes");
      }
      return bytes;
    }
  }
}
