package org.hybridstore.chaos.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.OpType;
import org.hybridstore.codec.CommandCodec;
import org.jspecify.annotations.Nullable;

/**
 * The Jepsen client of the order workload: turns an invocation into a completion against one node.
 *
 * <p>Functions (value shapes are those the checkers read):
 *
 * <ul>
 *   <li>{@code put [key value]}: set attribute {@value #REGISTER_ATTRIBUTE} of order {@code key};
 *   <li>{@code get [key value]}: linearizable read of that attribute ({@code ""} if unset);
 *   <li>{@code add id}: create order {@code id}, with the op id as its customer reference;
 *   <li>{@code cart id}: create order {@code id} with one line of quantity 1 for each of {@link
 *       #CART_SKUS};
 *   <li>{@code bump [cart sku opId]}: add 1 to the quantity of a cart's line, with the given op id
 *       (the workload reuses op ids to resubmit acknowledged bumps, as a careful client does);
 *   <li>{@code transition [key status]}: move order {@code key} to a status;
 *   <li>{@code status-read {key status}}: a local read of the node's replica.
 * </ul>
 *
 * <p>Completions: HTTP 200 is OK; 400/404/409 and 503 (unavailable, consistency unavailable) are
 * definite, FAIL; 504, 500, a timeout or a lost connection leave a write unknown and fail a read
 * (reads are idempotent). A write whose outcome is unknown is retried, as a careful client does,
 * with the same command and op id on the other nodes in turn (at most {@value #RETRIES} more
 * tries): an OK from any try makes it OK; once a try was unknown, a later definite failure cannot
 * make it definite (the unknown try may still land), so it completes INFO. A write's completion
 * records in {@link Op#mode()} how it was accepted, as {@code ACCEPTANCE/MODE@EPOCH}, e.g. {@code
 * PROVISIONAL/DEGRADED@4}, followed by {@code try N} when a retry got the answer.
 */
public final class OrderClient {
  /** The attribute the register workload writes. */
  public static final String REGISTER_ATTRIBUTE = "reg";

  /** The lines every cart is created with. */
  public static final List<String> CART_SKUS = List.of("sku-0", "sku-1", "sku-2", "sku-3");

  /** Further tries of a write with an unknown outcome, each on another node. */
  public static final int RETRIES = 2;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final NodeClient node;
  private final List<NodeClient> others;
  private final long timeoutMillis;
  private final java.util.function.Consumer<Acknowledgement> acknowledgements;

  /**
   * A write a node acknowledged, as the suite's confirmation probe follows it.
   *
   * @param opId the command's op id
   * @param orderId its order
   * @param node the node that acknowledged it
   * @param provisional whether it was acknowledged PROVISIONAL (else STRONG)
   * @param revision the revision the answer named (etcd held the write at once), or 0
   * @param duplicate whether the op id had been applied before
   * @param firstRevision whether the answer says {@code revision} is the first that holds the write
   */
  public record Acknowledgement(
      String opId,
      String orderId,
      String node,
      boolean provisional,
      long revision,
      boolean duplicate,
      boolean firstRevision) {}

  /**
   * Creates a client that does not retry elsewhere.
   *
   * @param node the node to talk to
   * @param timeoutMillis how long to wait for an answer (beyond the HTTP deadline, as a guard)
   */
  public OrderClient(NodeClient node, long timeoutMillis) {
    this(node, List.of(), timeoutMillis);
  }

  /**
   * Creates a client.
   *
   * @param node the node to talk to first
   * @param others the nodes to retry a write with an unknown outcome on, in turn
   * @param timeoutMillis how long to wait for an answer (beyond the HTTP deadline, as a guard)
   */
  public OrderClient(NodeClient node, List<NodeClient> others, long timeoutMillis) {
    this(node, others, timeoutMillis, a -> {});
  }

  /**
   * Creates a client that reports every acknowledged write.
   *
   * @param node the node to talk to first
   * @param others the nodes to retry a write with an unknown outcome on, in turn
   * @param timeoutMillis how long to wait for an answer (beyond the HTTP deadline, as a guard)
   * @param acknowledgements told of each acknowledged write, on the calling thread, before {@link
   *     #invoke} returns
   */
  public OrderClient(
      NodeClient node,
      List<NodeClient> others,
      long timeoutMillis,
      java.util.function.Consumer<Acknowledgement> acknowledgements) {
    this.node = node;
    this.others = List.copyOf(others);
    this.timeoutMillis = timeoutMillis;
    this.acknowledgements = acknowledgements;
  }

  /** Returns the node's name. */
  public String node() {
    return node.node();
  }

  /**
   * Performs an invocation and returns its completion (without index or time; the caller stamps
   * those).
   *
   * @param invoke the invocation
   * @return the completion
   */
  public Op invoke(Op invoke) {
    String f = invoke.f();
    try {
      return switch (f) {
        case "put" -> put(invoke);
        case "get" -> get(invoke);
        case "add" -> add(invoke);
        case "cart" -> cart(invoke);
        case "bump" -> bump(invoke);
        case "transition" -> transition(invoke);
        case "status-read" -> statusRead(invoke);
        default -> throw new IllegalArgumentException("unknown function " + f);
      };
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      Throwable cause = unwrap(e);
      boolean read = f.equals("get") || f.equals("status-read");
      String error =
          cause instanceof HttpTimeoutException || cause instanceof TimeoutException
              ? "timeout"
              : cause.getClass().getSimpleName() + ": " + cause.getMessage();
      return complete(invoke, read ? OpType.FAIL : OpType.INFO, invoke.value(), error, null);
    }
  }

  private Op put(Op invoke) throws Exception {
    List<?> kv = (List<?>) valueOf(invoke);
    OrderCommand cmd =
        new OrderCommand.SetAttribute(
            OrderId.of((String) kv.get(0)), OpId.random(), REGISTER_ATTRIBUTE, (String) kv.get(1));
    return write(invoke, cmd, invoke.value());
  }

  private Op add(Op invoke) throws Exception {
    String id = (String) valueOf(invoke);
    OpId op = OpId.random();
    OrderCommand cmd = OrderCommand.Create.of(OrderId.of(id), op, op.value(), "EUR");
    return write(invoke, cmd, id);
  }

  private Op cart(Op invoke) throws Exception {
    String id = (String) valueOf(invoke);
    OpId op = OpId.random();
    List<OrderLine> lines = CART_SKUS.stream().map(sku -> new OrderLine(sku, 1, 100)).toList();
    OrderCommand cmd =
        new OrderCommand.Create(
            OrderId.of(id), op, op.value(), "EUR", lines, new java.util.TreeMap<>());
    return write(invoke, cmd, id);
  }

  private Op bump(Op invoke) throws Exception {
    List<?> v = (List<?>) valueOf(invoke);
    OrderCommand cmd =
        new OrderCommand.AdjustQuantity(
            OrderId.of((String) v.get(0)), OpId.of((String) v.get(2)), (String) v.get(1), 1);
    return write(invoke, cmd, invoke.value());
  }

  private Op transition(Op invoke) throws Exception {
    List<?> kv = (List<?>) valueOf(invoke);
    OrderId id = OrderId.of((String) kv.get(0));
    OrderStatus to = OrderStatus.valueOf((String) kv.get(1));
    OrderCommand cmd =
        switch (to) {
          case CANCELLED -> new OrderCommand.Cancel(id, OpId.random(), "chaos");
          case REFUNDED -> new OrderCommand.Refund(id, OpId.random());
          default -> new OrderCommand.Transition(id, OpId.random(), to);
        };
    return write(invoke, cmd, invoke.value());
  }

  /** Tries the write on this node, then, while its outcome is unknown, on the others in turn. */
  private Op write(Op invoke, OrderCommand cmd, @Nullable Object value) {
    JsonNode json = CommandCodec.toJson(cmd);
    String unknown = null;
    String lastError = null;
    int tries = Math.min(1 + RETRIES, 1 + others.size());
    for (int t = 0; t < tries; t++) {
      NodeClient target = t == 0 ? node : others.get((t - 1) % others.size());
      String error;
      boolean definite;
      try {
        NodeClient.Response r =
            target.command(json, false).get(timeoutMillis, TimeUnit.MILLISECONDS);
        if (r.ok()) {
          JsonNode b = r.body();
          String mode =
              b.path("acceptance").asText()
                  + "/"
                  + b.path("mode").asText()
                  + "@"
                  + b.path("epoch").asLong();
          acknowledgements.accept(
              new Acknowledgement(
                  cmd.opId().value(),
                  cmd.orderId().value(),
                  target.node(),
                  b.path("acceptance").asText().startsWith("PROVISIONAL"),
                  b.path("revision").asLong(0),
                  b.path("duplicate").asBoolean(false),
                  b.path("firstRevision").asBoolean(false)));
          return complete(
              invoke,
              OpType.OK,
              value,
              null,
              t == 0 ? mode : mode + " try " + (t + 1),
              target.node());
        }
        error =
            r.status()
                + " "
                + r.body().path("error").asText()
                + ": "
                + r.body().path("message").asText();
        definite = r.body().path("definite").asBoolean(false);
      } catch (Exception e) {
        Throwable cause = unwrap(e);
        error =
            cause instanceof HttpTimeoutException || cause instanceof TimeoutException
                ? "timeout"
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        definite = false;
      }
      lastError = error;
      if (definite) {
        if (unknown == null) {
          return complete(invoke, OpType.FAIL, value, error, null);
        }
        break; // an earlier try may still land
      }
      if (unknown == null) {
        unknown = error;
      }
    }
    return complete(
        invoke, OpType.INFO, value, unknown + (tries > 1 ? " (then " + lastError + ")" : ""), null);
  }

  private Op get(Op invoke) throws Exception {
    List<?> kv = (List<?>) valueOf(invoke);
    String key = (String) kv.get(0);
    NodeClient.Response r =
        node.order(key, "linearizable").get(timeoutMillis, TimeUnit.MILLISECONDS);
    if (r.status() == 200) {
      String v = r.body().path("attributes").path(REGISTER_ATTRIBUTE).asText("");
      return complete(invoke, OpType.OK, List.of(key, v), null, r.body().path("servedBy").asText());
    }
    if (r.status() == 404) {
      return complete(invoke, OpType.OK, List.of(key, ""), null, null);
    }
    return complete(
        invoke,
        OpType.FAIL,
        invoke.value(),
        r.status() + " " + r.body().path("error").asText(),
        null);
  }

  private Op statusRead(Op invoke) throws Exception {
    String key = (String) valueOf(invoke);
    NodeClient.Response r = node.order(key, "local").get(timeoutMillis, TimeUnit.MILLISECONDS);
    if (r.status() == 200) {
      return complete(invoke, OpType.OK, Map.of(key, r.body().path("status").asText()), null, null);
    }
    if (r.status() == 404) {
      return complete(invoke, OpType.OK, Map.of(), null, null);
    }
    return complete(
        invoke,
        OpType.FAIL,
        invoke.value(),
        r.status() + " " + r.body().path("error").asText(),
        null);
  }

  /**
   * Reads one order from this node's replica, as the map the service returns.
   *
   * @param id the order id
   * @return the order, or null if the node has none
   * @throws Exception if the read fails
   */
  public @Nullable Map<String, Object> localOrder(String id) throws Exception {
    NodeClient.Response r = node.order(id, "local").get(timeoutMillis, TimeUnit.MILLISECONDS);
    if (r.status() == 404) {
      return null;
    }
    if (r.status() != 200) {
      throw new IllegalStateException(
          node.node() + ": local read of " + id + " failed: " + r.status() + " " + r.body());
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = JSON.convertValue(r.body(), Map.class);
    m.remove("servedBy");
    return m;
  }

  /** The invocation's value: every workload function carries one. */
  private static Object valueOf(Op invoke) {
    return Objects.requireNonNull(invoke.value(), invoke.f());
  }

  private Op complete(
      Op invoke,
      OpType type,
      @Nullable Object value,
      @Nullable String error,
      @Nullable String mode) {
    return complete(invoke, type, value, error, mode, node.node());
  }

  /** A completion answered by {@code answeredBy} (a retry's node, for writes that needed one). */
  private static Op complete(
      Op invoke,
      OpType type,
      @Nullable Object value,
      @Nullable String error,
      @Nullable String mode,
      String answeredBy) {
    return new Op(
        Op.UNASSIGNED, 0, invoke.process(), type, invoke.f(), value, error, answeredBy, mode);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof ExecutionException || c instanceof CompletionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
