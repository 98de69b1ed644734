package org.hybridstore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A write to one order, as data. Commands are applied by one pure function ({@link
 * org.hybridstore.model.OrderCommands#apply}), so they can be logged, replicated, replayed and
 * deduplicated. Each carries an {@link OpId}: applying a command whose op id the order already
 * holds changes nothing; reusing an op id for a different command is rejected.
 *
 * <p>Commands validate their fields when constructed and throw {@link InvalidInputException}.
 *
 * <p>Some commands must never run while the store is degraded, because a provisional write could be
 * contradicted by another node before anyone finds out (a refund pays money out): {@link
 * #allowedDegraded()} is {@code false} for those, and the store fails them fast with {@link
 * ConsistencyUnavailableException} unless it is {@link ConsistencyMode#STRONG}.
 */
public sealed interface OrderCommand {
  /** Returns the order this command writes. */
  OrderId orderId();

  /** Returns the command's idempotency key. */
  OpId opId();

  /** Returns whether the command may be accepted provisionally while etcd is unavailable. */
  default boolean allowedDegraded() {
    return true;
  }

  /**
   * Creates an order in status {@link OrderStatus#CREATED}.
   *
   * @param orderId the new order's id
   * @param opId idempotency key
   * @param customer the customer reference, at most {@link OrderLimits#MAX_CUSTOMER_LENGTH}
   *     characters
   * @param currency ISO 4217 code, three upper-case letters
   * @param lines initial lines, distinct SKUs, at most {@link OrderLimits#MAX_LINES}
   * @param attributes initial attributes, at most {@link OrderLimits#MAX_ATTRIBUTES}
   */
  record Create(
      OrderId orderId,
      OpId opId,
      String customer,
      String currency,
      List<OrderLine> lines,
      SortedMap<String, String> attributes)
      implements OrderCommand {
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    /** Validates and copies the fields. */
    public Create {
      requireIds(orderId, opId);
      Ids.requireText("customer", customer, OrderLimits.MAX_CUSTOMER_LENGTH);
      InvalidInputException.check(
          currency != null && CURRENCY.matcher(currency).matches(),
          "currency",
          "must be an ISO 4217 code of three upper-case letters, was '" + currency + "'");
      InvalidInputException.check(lines != null, "lines", "must not be null");
      InvalidInputException.check(
          lines.size() <= OrderLimits.MAX_LINES,
          "lines",
          "at most " + OrderLimits.MAX_LINES + " lines, was " + lines.size());
      Set<String> skus = new HashSet<>();
      for (OrderLine line : lines) {
        InvalidInputException.check(line != null, "lines", "must not contain null");
        InvalidInputException.check(skus.add(line.sku()), "lines", "duplicate sku " + line.sku());
      }
      lines = Collections.unmodifiableList(new ArrayList<>(lines));
      attributes = Attributes.copy(attributes);
    }

    /**
     * A create command with no lines and no attributes.
     *
     * @param orderId the new order's id
     * @param opId idempotency key
     * @param customer the customer reference
     * @param currency ISO 4217 code
     * @return the command
     */
    public static Create of(OrderId orderId, OpId opId, String customer, String currency) {
      return new Create(orderId, opId, customer, currency, List.of(), new TreeMap<>());
    }
  }

  /**
   * Moves the order to the next status along an edge of the {@link OrderStatus} graph. Use {@link
   * Cancel} and {@link Refund} for those two statuses.
   *
   * @param orderId the order
   * @param opId idempotency key
   * @param to the new status; not CANCELLED or REFUNDED
   */
  record Transition(OrderId orderId, OpId opId, OrderStatus to) implements OrderCommand {
    /** Validates the fields. */
    public Transition {
      requireIds(orderId, opId);
      InvalidInputException.check(to != null, "to", "must not be null");
      InvalidInputException.check(
          to != OrderStatus.CANCELLED && to != OrderStatus.REFUNDED && to != OrderStatus.CREATED,
          "to",
          "use Create, Cancel or Refund for " + to);
    }
  }

  /**
   * Cancels the order (status {@link OrderStatus#CANCELLED}) and records the reason as the
   * attribute {@value #REASON_ATTRIBUTE}.
   *
   * @param orderId the order
   * @param opId idempotency key
   * @param reason why, at most {@link OrderLimits#MAX_ATTRIBUTE_VALUE_LENGTH} characters
   */
  record Cancel(OrderId orderId, OpId opId, String reason) implements OrderCommand {
    /** The attribute that holds the cancellation reason. */
    public static final String REASON_ATTRIBUTE = "cancel.reason";

    /** Validates the fields. */
    public Cancel {
      requireIds(orderId, opId);
      Ids.requireText("reason", reason, OrderLimits.MAX_ATTRIBUTE_VALUE_LENGTH);
    }
  }

  /**
   * Refunds the order (status {@link OrderStatus#REFUNDED}). Never runs degraded: money leaves the
   * company, so the decision needs the single source of truth.
   *
   * @param orderId the order
   * @param opId idempotency key
   */
  record Refund(OrderId orderId, OpId opId) implements OrderCommand {
    /** Validates the fields. */
    public Refund {
      requireIds(orderId, opId);
    }

    @Override
    public boolean allowedDegraded() {
      return false;
    }
  }

  /**
   * Sets one attribute.
   *
   * @param orderId the order
   * @param opId idempotency key
   * @param key the attribute, same character rule as {@link OrderId}
   * @param value its value, at most {@link OrderLimits#MAX_ATTRIBUTE_VALUE_LENGTH} characters
   */
  record SetAttribute(OrderId orderId, OpId opId, String key, String value)
      implements OrderCommand {
    /** Validates the fields. */
    public SetAttribute {
      requireIds(orderId, opId);
      Attributes.requireKey(key);
      Ids.requireText("attributeValue", value, OrderLimits.MAX_ATTRIBUTE_VALUE_LENGTH);
    }
  }

  /**
   * Removes one attribute; removing an absent one is a no-op write.
   *
   * @param orderId the order
   * @param opId idempotency key
   * @param key the attribute
   */
  record RemoveAttribute(OrderId orderId, OpId opId, String key) implements OrderCommand {
    /** Validates the fields. */
    public RemoveAttribute {
      requireIds(orderId, opId);
      Attributes.requireKey(key);
    }
  }

  /**
   * Adds a line, or replaces the line with the same SKU. Only while the order is CREATED.
   *
   * @param orderId the order
   * @param opId idempotency key
   * @param line the line
   */
  record AddLine(OrderId orderId, OpId opId, OrderLine line) implements OrderCommand {
    /** Validates the fields. */
    public AddLine {
      requireIds(orderId, opId);
      InvalidInputException.check(line != null, "line", "must not be null");
    }
  }

  /**
   * Changes the quantity of an existing line by {@code delta} (a cart's "+1"). Only while the order
   * is CREATED; the quantity must stay between 1 and {@link OrderLimits#MAX_QUANTITY}. Unlike the
   * other commands it is not idempotent in its effect, so its op id is what keeps a retry from
   * counting twice (within the op-id retention window, see docs/consistency-model.md).
   *
   * @param orderId the order
   * @param opId idempotency key
   * @param sku the line's SKU
   * @param delta the change, not zero, within +-{@link OrderLimits#MAX_QUANTITY}
   */
  record AdjustQuantity(OrderId orderId, OpId opId, String sku, int delta) implements OrderCommand {
    /** Validates the fields. */
    public AdjustQuantity {
      requireIds(orderId, opId);
      Ids.requireValid("sku", sku);
      InvalidInputException.check(
          delta != 0 && Math.abs((long) delta) <= OrderLimits.MAX_QUANTITY,
          "delta",
          "must be non-zero and at most " + OrderLimits.MAX_QUANTITY + " in size, was " + delta);
    }
  }

  /**
   * Removes the line with a SKU. Only while the order is CREATED.
   *
   * @param orderId the order
   * @param opId idempotency key
   * @param sku the line's SKU
   */
  record RemoveLine(OrderId orderId, OpId opId, String sku) implements OrderCommand {
    /** Validates the fields. */
    public RemoveLine {
      requireIds(orderId, opId);
      Ids.requireValid("sku", sku);
    }
  }

  private static void requireIds(OrderId orderId, OpId opId) {
    InvalidInputException.check(orderId != null, "orderId", "must not be null");
    InvalidInputException.check(opId != null, "opId", "must not be null");
  }

  /** Attribute rules shared by the commands. */
  final class Attributes {
    private Attributes() {}

    static void requireKey(String key) {
      InvalidInputException.check(key != null, "attributeKey", "must not be null");
      InvalidInputException.check(
          key.length() <= OrderLimits.MAX_ATTRIBUTE_KEY_LENGTH,
          "attributeKey",
          "must be at most " + OrderLimits.MAX_ATTRIBUTE_KEY_LENGTH + " characters");
      Ids.requireValid("attributeKey", key);
    }

    static SortedMap<String, String> copy(Map<String, String> attributes) {
      InvalidInputException.check(attributes != null, "attributes", "must not be null");
      InvalidInputException.check(
          attributes.size() <= OrderLimits.MAX_ATTRIBUTES,
          "attributes",
          "at most " + OrderLimits.MAX_ATTRIBUTES + " attributes, was " + attributes.size());
      TreeMap<String, String> copy = new TreeMap<>();
      attributes.forEach(
          (k, v) -> {
            requireKey(k);
            Ids.requireText("attributeValue", v, OrderLimits.MAX_ATTRIBUTE_VALUE_LENGTH);
            copy.put(k, v);
          });
      return Collections.unmodifiableSortedMap(copy);
    }
  }
}
