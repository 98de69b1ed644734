package org.hybridstore.example.spring;

import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.UUID;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.ReadConsistency;
import org.hybridstore.SyncOrderStore;
import org.hybridstore.WriteOptions;
import org.hybridstore.WriteResult;
import org.hybridstore.switchover.HybridOrderStore;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The order API.
 *
 * <pre>
 *   POST /orders                      create; 201 (200 if the Idempotency-Key was applied before)
 *   POST /orders/{id}/transitions     {"to":"PAID"}: move along the status graph
 *   GET  /orders/{id}?consistency=    linearizable (default), serializable or local
 * </pre>
 *
 * Writes take an optional {@code Idempotency-Key} header (the store's op id; a retry with the same
 * key is applied at most once) and {@code ?strong=true} to refuse a provisional acknowledgement.
 * Every write answers with its acceptance: STRONG (in etcd) or PROVISIONAL (durable on this node,
 * folded into etcd later). Errors are problem details ({@link ProblemDetailsAdvice}).
 */
@RestController
@RequestMapping("/orders")
class OrderController {
  private final SyncOrderStore orders;

  OrderController(HybridOrderStore store) {
    this.orders = store.sync();
  }

  @PostMapping
  ResponseEntity<OrderResponses.WriteBody> create(
      @Valid @RequestBody OrderRequests.CreateOrder body,
      @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
      @RequestParam(defaultValue = "false") boolean strong) {
    OrderId id = OrderId.of(body.orderId() != null ? body.orderId() : "o-" + UUID.randomUUID());
    List<OrderRequests.Line> lines = body.lines() != null ? body.lines() : List.of();
    OrderCommand.Create command =
        new OrderCommand.Create(
            id,
            opId(key),
            body.customer(),
            body.currency(),
            lines.stream()
                .map(l -> new OrderLine(l.sku(), l.quantity(), l.unitPriceMinor()))
                .toList(),
            new TreeMap<>());
    WriteResult r = orders.apply(command, strong ? WriteOptions.STRONG_ONLY : WriteOptions.DEFAULT);
    OrderResponses.WriteBody written = OrderResponses.WriteBody.of(r);
    return r.duplicate()
        ? ResponseEntity.ok(written)
        : ResponseEntity.created(URI.create("/orders/" + id.value())).body(written);
  }

  @PostMapping("/{id}/transitions")
  OrderResponses.WriteBody transition(
      @PathVariable String id,
      @Valid @RequestBody OrderRequests.Transition body,
      @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
      @RequestParam(defaultValue = "false") boolean strong) {
    WriteResult r =
        orders.apply(
            new OrderCommand.Transition(OrderId.of(id), opId(key), body.to()),
            strong ? WriteOptions.STRONG_ONLY : WriteOptions.DEFAULT);
    return OrderResponses.WriteBody.of(r);
  }

  @GetMapping("/{id}")
  OrderResponses.ReadBody get(
      @PathVariable String id, @RequestParam(defaultValue = "linearizable") String consistency) {
    OrderId orderId = OrderId.of(id);
    var read =
        orders
            .get(orderId, parse(consistency))
            .orElseThrow(
                () ->
                    new CommandRejectedException(
                        CommandRejectedException.Reason.NOT_FOUND, orderId, "no order " + id));
    return new OrderResponses.ReadBody(
        OrderResponses.OrderBody.of(read.value()), read.servedBy().name());
  }

  private static OpId opId(@Nullable String key) {
    return key == null || key.isBlank() ? OpId.random() : OpId.of(key);
  }

  private static ReadConsistency parse(String consistency) {
    try {
      return ReadConsistency.valueOf(consistency.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          "consistency", "must be linearizable, serializable or local, was '" + consistency + "'");
    }
  }
}
