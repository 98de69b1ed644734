package org.hybridstore.model;

import java.util.SortedMap;
import java.util.TreeMap;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.CommandRejectedException.Reason;
import org.hybridstore.IllegalTransitionException;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderLimits;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.jspecify.annotations.Nullable;

/**
 * The one function that applies a command to a record. Pure: no I/O, no clock reads (the caller
 * passes the write's {@link Stamp}), so every backend, every replica and the chaos suite's model
 * apply commands identically.
 */
public final class OrderCommands {
  private OrderCommands() {}

  /**
   * The result of applying a command.
   *
   * @param record the record after the command (the unchanged record if it was a duplicate)
   * @param duplicate whether the op id had been applied already, so nothing changed
   */
  public record Applied(OrderRecord record, boolean duplicate) {}

  /**
   * Applies a command, stamping it with a fresh reading of the node's clock. The clock is first
   * advanced past every stamp in the current record, so the write's registers are newer than the
   * ones it replaces. A record whose latest stamp is beyond the clock's maximum offset (written by
   * a node whose clock ran ahead, or put into etcd by someone else) does not move the clock: the
   * write is stamped just after that stamp, so it still replaces the values it changes, and the
   * refusal is counted ({@link HybridLogicalClock#refusedStamps()}). Peer records are checked when
   * they arrive as well.
   *
   * @param current the order's record, or {@code null} if the order does not exist
   * @param command the command
   * @param clock the node's clock
   * @param node the node
   * @return the new record, or the unchanged one for a duplicate op id
   * @throws CommandRejectedException if the command cannot be applied to this record (no change)
   */
  public static Applied apply(
      @Nullable OrderRecord current,
      OrderCommand command,
      HybridLogicalClock clock,
      org.hybridstore.NodeId node) {
    if (current != null) {
      HybridTimestamp latest = current.latestTime();
      if (clock.tryObserve(latest) instanceof ClockObservation.Refused) {
        // the clock stays where it is (it would stay ahead for good); only this write follows
        return apply(
            current,
            command,
            new Stamp(new HybridTimestamp(latest.wallMillis(), latest.logical() + 1), node));
      }
    }
    return apply(current, command, new Stamp(clock.now(), node));
  }

  /**
   * Applies a command with a given stamp. Each register the command sets takes the value with the
   * later stamp, as a merge would: a stamp later than every stamp in {@code current} (the usual
   * case) replaces the values it changes; an earlier one leaves a register that a later write set
   * as it is, as if the command had been applied first and that write merged in after it.
   *
   * @param current the order's record, or {@code null} if the order does not exist
   * @param command the command
   * @param stamp the write's clock reading and node
   * @return the new record, or the unchanged one for a duplicate op id
   * @throws CommandRejectedException if the command cannot be applied to this record (no change)
   */
  public static Applied apply(@Nullable OrderRecord current, OrderCommand command, Stamp stamp) {
    long fingerprint = CommandFingerprint.of(command);
    if (current != null) {
      var earlier = current.appliedOps().get(command.opId());
      if (earlier.isPresent()) {
        if (earlier.get().fingerprint() != fingerprint) {
          throw new CommandRejectedException(
              Reason.OP_ID_REUSED,
              command.orderId(),
              "op id " + command.opId() + " was already applied with a different command");
        }
        return new Applied(current, true);
      }
    }
    OrderRecord next;
    if (command instanceof OrderCommand.Create c) {
      next = create(current, c, stamp);
    } else if (current == null) {
      throw new CommandRejectedException(Reason.NOT_FOUND, command.orderId(), "no such order");
    } else {
      next = update(current, command, stamp);
    }
    next =
        new OrderRecord(
            next.id(),
            next.customer(),
            next.currency(),
            next.lines(),
            next.attributes(),
            next.statuses(),
            next.versions().increment(stamp.node()),
            next.appliedOps().with(command.opId(), new AppliedOps.Entry(fingerprint, stamp)));
    return new Applied(next, false);
  }

  private static OrderRecord create(
      @Nullable OrderRecord current, OrderCommand.Create c, Stamp stamp) {
    if (current != null) {
      throw new CommandRejectedException(
          Reason.ALREADY_EXISTS, c.orderId(), "order already exists");
    }
    TreeMap<String, Lww<OrderLine>> lines = new TreeMap<>();
    c.lines().forEach(l -> lines.put(l.sku(), new Lww<>(l, stamp)));
    TreeMap<String, Lww<String>> attributes = new TreeMap<>();
    c.attributes().forEach((k, v) -> attributes.put(k, new Lww<>(v, stamp)));
    return new OrderRecord(
        c.orderId(),
        new Lww<>(c.customer(), stamp),
        new Lww<>(c.currency(), stamp),
        lines,
        attributes,
        StatusHistory.created(),
        VersionVector.EMPTY,
        AppliedOps.EMPTY);
  }

  private static OrderRecord update(OrderRecord r, OrderCommand command, Stamp stamp) {
    OrderStatus status = r.statuses().current();
    if (command instanceof OrderCommand.Transition t) {
      return withStatus(r, status, t.to());
    } else if (command instanceof OrderCommand.Cancel c) {
      OrderRecord cancelled = withStatus(r, status, OrderStatus.CANCELLED);
      return withAttributes(
          cancelled,
          put(
              r,
              r.attributes(),
              OrderCommand.Cancel.REASON_ATTRIBUTE,
              c.reason(),
              stamp,
              OrderLimits.MAX_ATTRIBUTES));
    } else if (command instanceof OrderCommand.Refund) {
      return withStatus(r, status, OrderStatus.REFUNDED);
    } else if (command instanceof OrderCommand.SetAttribute s) {
      return withAttributes(
          r, put(r, r.attributes(), s.key(), s.value(), stamp, OrderLimits.MAX_ATTRIBUTES));
    } else if (command instanceof OrderCommand.RemoveAttribute s) {
      return r.attributes().containsKey(s.key())
          ? withAttributes(
              r, put(r, r.attributes(), s.key(), null, stamp, OrderLimits.MAX_ATTRIBUTES))
          : r;
    } else if (command instanceof OrderCommand.AddLine a) {
      requireUnlocked(r, status);
      return withLines(
          r, put(r, r.lines(), a.line().sku(), a.line(), stamp, OrderLimits.MAX_LINES));
    } else if (command instanceof OrderCommand.AdjustQuantity q) {
      requireUnlocked(r, status);
      Lww<OrderLine> line = r.lines().get(q.sku());
      OrderLine old = line == null ? null : line.value(); // null: never added, or removed
      if (old == null) {
        throw new CommandRejectedException(Reason.NOT_FOUND, r.id(), "no line with sku " + q.sku());
      }
      long quantity = (long) old.quantity() + q.delta();
      if (quantity < 1 || quantity > OrderLimits.MAX_QUANTITY) {
        throw new CommandRejectedException(
            Reason.LIMIT_EXCEEDED,
            r.id(),
            "quantity of "
                + q.sku()
                + " would be "
                + quantity
                + ", outside 1.."
                + OrderLimits.MAX_QUANTITY);
      }
      OrderLine adjusted = new OrderLine(old.sku(), (int) quantity, old.unitPriceMinor());
      return withLines(r, put(r, r.lines(), q.sku(), adjusted, stamp, OrderLimits.MAX_LINES));
    } else if (command instanceof OrderCommand.RemoveLine rl) {
      requireUnlocked(r, status);
      Lww<OrderLine> line = r.lines().get(rl.sku());
      if (line == null || !line.isPresent()) {
        throw new CommandRejectedException(
            Reason.NOT_FOUND, r.id(), "no line with sku " + rl.sku());
      }
      return withLines(r, put(r, r.lines(), rl.sku(), null, stamp, OrderLimits.MAX_LINES));
    }
    throw new AssertionError("unknown command " + command.getClass());
  }

  private static OrderRecord withStatus(OrderRecord r, OrderStatus from, OrderStatus to) {
    if (!from.canTransitionTo(to)) {
      throw new IllegalTransitionException(r.id(), from, to);
    }
    return new OrderRecord(
        r.id(),
        r.customer(),
        r.currency(),
        r.lines(),
        r.attributes(),
        r.statuses().with(to),
        r.versions(),
        r.appliedOps());
  }

  private static void requireUnlocked(OrderRecord r, OrderStatus status) {
    if (status != OrderStatus.CREATED) {
      throw new CommandRejectedException(
          Reason.ORDER_LOCKED,
          r.id(),
          "lines can only change while the order is CREATED, it is " + status);
    }
  }

  private static <T> SortedMap<String, Lww<T>> put(
      OrderRecord r,
      SortedMap<String, Lww<T>> map,
      String key,
      @Nullable T value,
      Stamp stamp,
      int limit) {
    if (!map.containsKey(key) && map.size() >= limit) {
      throw new CommandRejectedException(
          Reason.LIMIT_EXCEEDED,
          r.id(),
          "an order holds at most " + limit + " distinct keys here, removed ones included");
    }
    TreeMap<String, Lww<T>> next = new TreeMap<>(map);
    next.merge(key, new Lww<>(value, stamp), Lww::merge);
    return next;
  }

  private static OrderRecord withAttributes(
      OrderRecord r, SortedMap<String, Lww<String>> attributes) {
    return new OrderRecord(
        r.id(),
        r.customer(),
        r.currency(),
        r.lines(),
        attributes,
        r.statuses(),
        r.versions(),
        r.appliedOps());
  }

  private static OrderRecord withLines(OrderRecord r, SortedMap<String, Lww<OrderLine>> lines) {
    return new OrderRecord(
        r.id(),
        r.customer(),
        r.currency(),
        lines,
        r.attributes(),
        r.statuses(),
        r.versions(),
        r.appliedOps());
  }
}
