package org.hybridstore.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 *                                       "revision" when etcd committed it at once
 *   GET  /commands/{opId}?waitMs=N      the write's confirmation, waiting up to N ms (default 1000,
 *                                       at most 30000): state confirmed / provisional / unknown (404),
 *                                       see CommandStatus
 *   GET  /changes?from=REV              the order change feed as server-sent events; &provisional=true
 *                                       adds provisional changes, &buffer=N sizes the feed's buffer;
 *                                       see ChangeStream
 *   GET  /orders/{id}?consistency=linearizable|serializable|local
 *   GET  /mode                          the node's mode, epoch, backlog, conflicts, mirror lag,
 *                                       replica digest, journal health
 *   GET  /replica?after=ID&limit=N      the ids in this node's replica, in order, a page at a time;
 *                                       with &hashes=true also each record's content hash
 *   POST /admin/clock-offset?millis=N   skew this node's clock (chaos testing)
 *   GET  /dashboard?nodes=URL,URL,...   the JMX dashboard (HTML); nodes are Jolokia URLs, default
 *                                       this node's own agent
 *   GET  /dashboard.js                  its script
 * </pre>
 *
 * Errors are JSON {@code {"error":kind,"definite":bool,"message":...}}: 400 invalid input, 404 no
 * such order, 409 rejected command, 503 unavailable or consistency unavailable (definite: nothing
 * was applied), 504 indeterminate (the write may have been applied; retry with the same op id).
 */
final class HttpApi {
  private static final int MAX_BODY = 1 << 20;

  private final HybridOrderStore store;
  private final SyncOrderStore sync;
  private final OffsetClock clock;
  private final Dashboard dashboard;
  private final CommandStatus commandStatus;
  private final ChangeStream changes;

  /**
   * @param store the node's store
   * @param clock the node's clock
   * @param jolokiaUrl this node's Jolokia URL, the dashboard's default node; empty if Jolokia is off
   */
  HttpApi(HybridOrderStore store, OffsetClock clock, String jolokiaUrl) {
    this.store = store;
    this.sync = store.sync();
    this.clock = clock;
    this.dashboard = new Dashboard(jolokiaUrl);
    this.commandStatus = new CommandStatus(store);
    this.changes = new ChangeStream(store);
  }

  void register(HttpServer server) {
    server.createContext("/commands", ex -> handle(ex, "POST", this::command));
    server.createContext("/commands/", ex -> handle(ex, "GET", this::commandStatus));
    server.createContext("/changes", changes::handle);
    server.createContext("/orders/", ex -> handle(ex, "GET", this::order));
    server.createContext("/mode", ex -> handle(ex, "GET", x -> new Response(200, mode())));
    server.createContext("/replica", ex -> handle(ex, "GET", this::replica));
    server.createContext("/admin/clock-offset", ex -> handle(ex, "POST", this::clockOffset));
    dashboard.register(server);
  }

  private record Response(int status, JsonNode body) {}

  @FunctionalInterface
  private interface Handler {
    Response handle(HttpExchange exchange) throws IOException;
  }

  private static void handle(HttpExchange ex, String method, Handler handler) throws IOException {
    Response r;
    try {
      if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
        r = new Response(405, Json.error("method-not-allowed", true, "use " + method));
      } else {
        r = handler.handle(ex);
      }
    } catch (InvalidInputException | CorruptDataException e) {
      r = new Response(400, Json.error("invalid", true, e.getMessage()));
    } catch (CommandRejectedException e) {
      r = new Response(409, Json.error("rejected", true, e.getMessage()).put("reason", e.reason().name()));
    } catch (ConsistencyUnavailableException e) {
      r = new Response(503, Json.error("consistency-unavailable", true, e.getMessage()).put("mode", e.mode().name()));
    } catch (StoreUnavailableException | StoreClosedException e) {
      r = new Response(503, Json.error("unavailable", true, e.getMessage()));
    } catch (IndeterminateWriteException e) {
      r = new Response(504, Json.error("indeterminate", false, e.getMessage()));
    } catch (RuntimeException e) {
      r = new Response(500, Json.error("internal", false, e.toString()));
    }
    byte[] bytes = Json.MAPPER.writeValueAsBytes(r.body());
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(r.status(), bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private Response command(HttpExchange ex) throws IOException {
    OrderCommand command = CommandCodec.decode(body(ex));
    boolean strong = "true".equals(query(ex.getRequestURI(), "strong"));
    return new Response(200, Json.write(sync.apply(command, strong ? WriteOptions.STRONG_ONLY : WriteOptions.DEFAULT)));
  }

  private Response commandStatus(HttpExchange ex) {
    CommandStatus.Answer a = commandStatus.answer(ex.getRequestURI().getPath().substring("/commands/".length()),
        query(ex.getRequestURI(), "waitMs"));
    return new Response(a.status(), a.body());
  }

  private Response order(HttpExchange ex) {
    String path = ex.getRequestURI().getPath();
    OrderId id = OrderId.of(path.substring("/orders/".length()));
    String c = query(ex.getRequestURI(), "consistency");
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
    n.put("backlog", store.backlogSize());
    n.put("conflicts", store.conflicts().size());
    n.put("clockOffsetMillis", clock.offsetMillis());
    n.put("mirrorLag", store.mirrorLagRevisions());
    n.put("mirrorRevision", store.mirrorRevision());
    n.put("digest", store.replicaDigest());
    var journal = store.journalHealth();
    ObjectNode j = n.putObject("journal");
    j.put("writable", journal.writable());
    j.put("problem", journal.problem());
    j.put("damageAtStart", journal.damageAtStart());
    j.put("quarantined", journal.quarantined());
    return n;
  }

  private Response replica(HttpExchange ex) {
    String after = query(ex.getRequestURI(), "after");
    String limit = query(ex.getRequestURI(), "limit");
    int n;
    try {
      n = limit == null ? 1000 : Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      throw new InvalidInputException("limit", "must be an integer, was '" + limit + "'");
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    var ids = out.putArray("ids");
    if ("true".equals(query(ex.getRequestURI(), "hashes"))) {
      var hashes = out.putArray("hashes");
      store.replicaHashes(after == null ? "" : after, n).forEach((id, h) -> {
        ids.add(id);
        hashes.add(Long.toHexString(h));
      });
    } else {
      store.replicaOrderIds(after == null ? "" : after, n).forEach(id -> ids.add(id.value()));
    }
    return new Response(200, out);
  }

  private Response clockOffset(HttpExchange ex) {
    String millis = query(ex.getRequestURI(), "millis");
    if (millis == null) {
      throw new InvalidInputException("millis", "query parameter is required");
    }
    try {
      clock.setOffsetMillis(Long.parseLong(millis));
    } catch (NumberFormatException e) {
      throw new InvalidInputException("millis", "must be an integer, was '" + millis + "'");
    }
    return new Response(200, mode());
  }

  private static ReadConsistency parseConsistency(String c) {
    try {
      return ReadConsistency.valueOf(c.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("consistency", "must be linearizable, serializable or local, was '" + c + "'");
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

  private static String query(URI uri, String name) {
    String q = uri.getRawQuery();
    if (q == null) {
      return null;
    }
    for (String part : q.split("&")) {
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
