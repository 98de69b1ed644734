package org.hybridstore.chaos.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * HTTP client of one order-service node (see the service's {@code HttpApi}). Every request has a
 * deadline; a request that outlives it completes with a {@link java.net.http.HttpTimeoutException}.
 */
public final class NodeClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One HTTP response.
   *
   * @param status the status code
   * @param body the JSON body (NullNode if empty or not JSON)
   */
  public record Response(int status, JsonNode body) {
    /** Returns whether the status is 2xx. */
    public boolean ok() {
      return status / 100 == 2;
    }
  }

  private final String node;
  private final URI base;
  private final HttpClient http;
  private final Duration timeout;
  private final String adminToken;

  /**
   * Creates a client.
   *
   * @param node the node's name
   * @param base e.g. {@code http://10.1.2.11:8080}
   * @param timeout deadline of every request
   * @param executor where responses are handled
   */
  public NodeClient(String node, URI base, Duration timeout, Executor executor) {
    this(node, base, timeout, executor, "");
  }

  /**
   * Creates a client that can call the node's test-only endpoints.
   *
   * @param node the node's name
   * @param base e.g. {@code http://10.1.2.11:8080}
   * @param timeout deadline of every request
   * @param executor where responses are handled
   * @param adminToken the bearer token of the node's test-only endpoints ({@code --admin-token})
   */
  public NodeClient(String node, URI base, Duration timeout, Executor executor, String adminToken) {
    this.adminToken = adminToken;
    this.node = node;
    this.base = base;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .executor(executor)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /** Returns the node's name. */
  public String node() {
    return node;
  }

  /** Returns the node's base URI. */
  public URI base() {
    return base;
  }

  /**
   * Sends a command.
   *
   * @param command the command JSON
   * @param strong whether the write demands STRONG
   * @return the response
   */
  public CompletableFuture<Response> command(JsonNode command, boolean strong) {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/commands" + (strong ? "?strong=true" : "")))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(command)))
            .build();
    return send(request);
  }

  /**
   * Reads an order.
   *
   * @param id the order id
   * @param consistency linearizable, serializable or local
   * @return the response (404 if there is no such order)
   */
  public CompletableFuture<Response> order(String id, String consistency) {
    return send(
        HttpRequest.newBuilder(base.resolve("/orders/" + id + "?consistency=" + consistency))
            .timeout(timeout)
            .GET()
            .build());
  }

  /**
   * Lists a page of the order ids in the node's replica.
   *
   * @param after the last id of the previous page ({@code ""} for the first)
   * @param limit the page size
   * @return the response, {@code {"ids": [...]}}
   */
  public CompletableFuture<Response> replica(String after, int limit) {
    return replica(after, limit, false);
  }

  /**
   * Lists a page of the order ids in the node's replica, with each record's content hash if asked.
   *
   * @param after the last id of the previous page ({@code ""} for the first)
   * @param limit the page size
   * @param hashes whether to include {@code "hashes"} (hex), parallel to {@code "ids"}
   * @return the response
   */
  public CompletableFuture<Response> replica(String after, int limit, boolean hashes) {
    String q =
        "/replica?limit="
            + limit
            + (hashes ? "&hashes=true" : "")
            + (after.isEmpty()
                ? ""
                : "&after="
                    + java.net.URLEncoder.encode(after, java.nio.charset.StandardCharsets.UTF_8));
    return send(HttpRequest.newBuilder(base.resolve(q)).timeout(timeout).GET().build());
  }

  /** Reads the node's mode. */
  public CompletableFuture<Response> mode() {
    return send(HttpRequest.newBuilder(base.resolve("/mode")).timeout(timeout).GET().build());
  }

  /**
   * Sets the node's clock offset.
   *
   * @param millis the offset
   * @return the response
   */
  public CompletableFuture<Response> clockOffset(long millis) {
    return send(
        HttpRequest.newBuilder(base.resolve("/admin/clock-offset?millis=" + millis))
            .timeout(timeout)
            .header("Authorization", "Bearer " + adminToken)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  /**
   * Asks for a write's confirmation ({@code GET /commands/{opId}?waitMs=N}).
   *
   * @param opId the write's op id
   * @param waitMillis how long the node may wait for it; the request's deadline is this plus the
   *     client's timeout
   * @return the response: 200 with {@code "state": "confirmed"} or {@code "provisional"}, or 404
   */
  public CompletableFuture<Response> confirmation(String opId, long waitMillis) {
    String path =
        "/commands/"
            + java.net.URLEncoder.encode(opId, java.nio.charset.StandardCharsets.UTF_8)
            + "?waitMs="
            + waitMillis;
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(timeout.plusMillis(waitMillis))
            .GET()
            .build());
  }

  /**
   * Opens the node's change feed as server-sent events ({@code GET /changes}); the caller reads the
   * lines and closes the stream. The deadline covers the answer's headers only: the stream lasts
   * until the node ends it (after its stream budget) or the caller closes it.
   *
   * @param lastEventId the last event id the caller processed (0 at first)
   * @return the response with the stream of lines
   * @throws IOException if the node does not answer within the deadline
   * @throws InterruptedException if interrupted while waiting for the answer
   */
  public HttpResponse<java.util.stream.Stream<String>> changes(long lastEventId)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/changes"))
            .timeout(timeout)
            .header("Accept", "text/event-stream")
            .header("Last-Event-ID", Long.toString(lastEventId))
            .GET()
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofLines());
  }

  private CompletableFuture<Response> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(r -> new Response(r.statusCode(), parse(r.body())));
  }

  private static byte[] bytes(JsonNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode parse(byte[] body) {
    try {
      return body.length == 0 ? NullNode.getInstance() : JSON.readTree(body);
    } catch (IOException e) {
      return NullNode.getInstance();
    }
  }
}
