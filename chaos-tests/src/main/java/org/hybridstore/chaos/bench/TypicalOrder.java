package org.hybridstore.chaos.bench;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.jspecify.annotations.Nullable;

/**
 * The "typical order" of the benchmark and of {@code record_bytes}: created with 3 lines and 2
 * attributes, paid, then updated (the {@code note} attribute set to a new value of fixed length)
 * until it has had {@link OrderLimits#OP_ID_RETENTION} commands, so its op-id history is full and
 * its record no longer grows. Written by one node. Every throughput pair writes such orders (or
 * bytes of their size), so the payload of every ratio is this record.
 */
final class TypicalOrder {
  /** Lines of a typical order. */
  static final List<OrderLine> LINES =
      List.of(
          new OrderLine("sku-100001", 1, 1999),
          new OrderLine("sku-100002", 2, 4550),
          new OrderLine("sku-100003", 1, 899));

  /** The attribute every update sets. */
  static final String NOTE = "note";

  /** The other attribute. */
  static final String CHANNEL = "channel";

  /** Commands in a typical order's history: enough to fill the op-id retention. */
  static final int HISTORY_COMMANDS = OrderLimits.OP_ID_RETENTION;

  private TypicalOrder() {}

  /**
   * Returns the create command: 3 lines, 2 attributes.
   *
   * @param id the order
   * @return the command, with a fresh op id
   */
  static OrderCommand.Create create(OrderId id) {
    TreeMap<String, String> attributes = new TreeMap<>();
    attributes.put(CHANNEL, "web-shop");
    attributes.put(NOTE, note(0));
    return new OrderCommand.Create(id, OpId.random(), "customer-000042", "EUR", LINES, attributes);
  }

  /**
   * Returns the payment.
   *
   * @param id the order
   * @return the transition to PAID, with a fresh op id
   */
  static OrderCommand.Transition pay(OrderId id) {
    return new OrderCommand.Transition(id, OpId.random(), OrderStatus.PAID);
  }

  /**
   * Returns an update: the {@code note} attribute set to a value of fixed length, so updates do not
   * change the record's size.
   *
   * @param id the order
   * @param n distinguishes the values
   * @return the command, with a fresh op id
   */
  static OrderCommand.SetAttribute update(OrderId id, long n) {
    return new OrderCommand.SetAttribute(id, OpId.random(), NOTE, note(n));
  }

  /**
   * Returns the whole history: create, pay, then updates up to {@link #HISTORY_COMMANDS} commands.
   *
   * @param id the order
   * @return the commands in order
   */
  static List<OrderCommand> history(OrderId id) {
    List<OrderCommand> commands = new ArrayList<>();
    commands.add(create(id));
    commands.add(pay(id));
    for (int n = 1; commands.size() < HISTORY_COMMANDS; n++) {
      commands.add(update(id, n));
    }
    return commands;
  }

  /**
   * Returns the {@link RecordCodec} size of a typical order, built by applying its history with the
   * pure command function every backend uses, stamped by the system clock.
   *
   * @return bytes
   */
  static int recordBytes() {
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    NodeId node = NodeId.of("node-1");
    @Nullable OrderRecord record = null;
    for (OrderCommand c : history(OrderId.of("order-000001"))) {
      record = OrderCommands.apply(record, c, clock, node).record();
    }
    return RecordCodec.encode(Objects.requireNonNull(record, "a typical order has commands"))
        .length;
  }

  /**
   * The note's value: a fixed prefix and {@code n} in ten digits. Built by hand, not with {@code
   * String.format}: the benchmark builds one for every measured STRONG or DEGRADED command, and the
   * harness's own cost should not weigh on that side of a pair.
   */
  static String note(long n) {
    String digits = Long.toString(Math.abs(n % 10_000_000_000L));
    return "gift-wrap-call-ahead-" + "0".repeat(10 - digits.length()) + digits;
  }
}
