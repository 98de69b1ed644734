package org.hybridstore.example;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hybridstore.Confirmation;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OpId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.UnknownOperationException;
import org.hybridstore.switchover.HybridOrderStore;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /commands/{opId}[?waitMs=N]}: the fate of a write by its op id.
 *
 * <ul>
 *   <li>200 {@code
 *       {"opId","orderId","state":"confirmed","revision","firstRevision","outcomeChanged",
 *       "acknowledgedStatus","order"}}: etcd holds the write ({@link Json#confirmed});
 *   <li>200 {@code {"opId","orderId","state":"provisional","waitedMs"}}: this node knows the write
 *       but etcd did not hold it within the wait (or could not be asked);
 *   <li>404 {@code {"opId","state":"unknown","error":"unknown-operation",...}}: no record in this
 *       node's replica holds the op id (never applied, older than the retention bound, or not
 *       replicated here yet).
 * </ul>
 *
 * The wait is {@code waitMs} (0 to {@value #MAX_WAIT_MS}, default {@value #DEFAULT_WAIT_MS}), at
 * most the answer budget (half of {@code --http-timeout-ms}: the JDK server closes every answer
 * that takes longer than that timeout, and measures it coarsely): the answer comes as soon as the
 * confirmation does, or when the wait is over ({@code waitedMs} says how long that was).
 */
final class CommandStatus {
  static final long MAX_WAIT_MS = 30_000;
  static final long DEFAULT_WAIT_MS = 1_000;

  /** The status code and body of an answer. */
  record Answer(int status, ObjectNode body) {}

  private final HybridOrderStore store;
  private final long budgetMillis;

  /**
   * @param store the node's store
   * @param budget the longest wait the server's answer time limit allows
   */
  CommandStatus(HybridOrderStore store, java.time.Duration budget) {
    this.store = store;
    this.budgetMillis = budget.toMillis();
  }

  /**
   * Answers for one op id.
   *
   * @param opIdText the op id from the path
   * @param waitParam the {@code waitMs} query parameter, or null
   * @return the answer
   * @throws InvalidInputException if the op id or the wait is malformed (nothing is looked up)
   */
  Answer answer(String opIdText, @Nullable String waitParam) {
    OpId opId = OpId.of(opIdText);
    long wait = DEFAULT_WAIT_MS;
    if (waitParam != null) {
      try {
        wait = Long.parseLong(waitParam);
      } catch (NumberFormatException e) {
        throw new InvalidInputException("waitMs", "must be an integer, was '" + waitParam + "'");
      }
      if (wait < 0 || wait > MAX_WAIT_MS) {
        throw new InvalidInputException("waitMs", "must be 0 to " + MAX_WAIT_MS + ", was " + wait);
      }
    }
    wait = Math.min(wait, budgetMillis);
    CompletableFuture<Confirmation> f = store.confirmation(opId).toCompletableFuture();
    try {
      return new Answer(200, Json.confirmed(f.get(wait, TimeUnit.MILLISECONDS)));
    } catch (TimeoutException e) {
      ObjectNode n = Json.MAPPER.createObjectNode();
      n.put("opId", opId.value());
      store.orderOfOperation(opId).ifPresent(o -> n.put("orderId", o.value()));
      n.put("state", "provisional");
      n.put("waitedMs", wait);
      return new Answer(200, n);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for the confirmation", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UnknownOperationException u) {
        ObjectNode n = Json.error("unknown-operation", true, u.getMessage());
        n.put("opId", opId.value());
        n.put("state", "unknown");
        return new Answer(404, n);
      }
      if (cause instanceof OrderStoreException s) {
        throw s;
      }
      throw new StoreUnavailableException("confirmation failed: " + cause, cause);
    }
  }
}
